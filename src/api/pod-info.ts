// What the scheduler needs to know about a pod, derived once from the Pod object: requests
// parsed from Quantities, host ports, the owner to spread by. Both the pod being scheduled
// and every pod already on a node are held in this form, so filters and scores compare
// numbers instead of re-parsing strings on every node of every cycle.
import type { Container, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from './quantity.js';

/** Kube's scoring defaults for containers that request nothing (pkg/scheduler/util.GetNonzeroRequests). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

export interface Resources {
  milliCpu: number;
  memory: number;
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  /** `namespace/name`. */
  key: string;
  namespace: string;
  labels: Record<string, string>;
  /** What NodeResourcesFit checks against allocatable. */
  requests: Resources;
  /** What the allocation scores count: like requests, with kube's defaults for containers that ask for nothing. */
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
  tolerations: Toleration[];
  /**
   * Who this pod is a replica of, for spreading: the controlling owner's uid (ReplicaSet,
   * StatefulSet, ...), or for a pod without one its namespace and exact label set.
   */
  spreadKey?: string;
  /** True when the pod carries required anti-affinity terms that other pods must respect. */
  hasRequiredAntiAffinity: boolean;
}

function containerRequest(c: Container, name: 'cpu' | 'memory'): number | undefined {
  // Requests default from limits (kube's defaulting does this on write; done here too so a pod
  // that reached us undefaulted is accounted the same way).
  const q = c.resources?.requests?.[name] ?? c.resources?.limits?.[name];
  if (q === undefined) return undefined;
  const parsed = parseQuantity(q);
  return name === 'cpu' ? parsed.milliValue() : parsed.value();
}

/**
 * Effective requests as kube computes them: the sum over containers (and restartable "sidecar"
 * init containers), raised to the largest regular init container, plus the pod overhead.
 */
function podRequests(pod: Pod, nonZero: boolean): Resources {
  const spec = pod.spec;
  const sum: Resources = { milliCpu: 0, memory: 0 };
  const fallback = (v: number | undefined, d: number) => v ?? (nonZero ? d : 0);
  const add = (c: Container) => {
    sum.milliCpu += fallback(containerRequest(c, 'cpu'), defaultMilliCpuRequest);
    sum.memory += fallback(containerRequest(c, 'memory'), defaultMemoryRequest);
  };
  for (const c of spec?.containers ?? []) add(c);
  let initMax: Resources = { milliCpu: 0, memory: 0 };
  for (const c of spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {
      add(c);
      continue;
    }
    initMax = {
      milliCpu: Math.max(initMax.milliCpu, fallback(containerRequest(c, 'cpu'), defaultMilliCpuRequest)),
      memory: Math.max(initMax.memory, fallback(containerRequest(c, 'memory'), defaultMemoryRequest)),
    };
  }
  const overhead = spec?.overhead as Record<string, string> | undefined;
  return {
    milliCpu:
      Math.max(sum.milliCpu, initMax.milliCpu) +
      (overhead?.cpu ? parseQuantity(overhead.cpu).milliValue() : 0),
    memory:
      Math.max(sum.memory, initMax.memory) + (overhead?.memory ? parseQuantity(overhead.memory).value() : 0),
  };
}

function hostPortsOf(pod: Pod): HostPort[] {
  const ports: HostPort[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      ports.push({ protocol: p.protocol || 'TCP', hostIP: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
  }
  return ports;
}

function spreadKeyOf(pod: Pod, namespace: string): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller)?.uid;
  if (owner) return `uid:${owner}`;
  const labels = Object.entries(pod.metadata?.labels ?? {});
  if (labels.length === 0) return undefined;
  labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `labels:${namespace}/${labels.map(([k, v]) => `${k}=${v}`).join(',')}`;
}

export function podInfoOf(pod: Pod): PodInfo {
  const namespace = pod.metadata?.namespace ?? 'default';
  return {
    pod,
    key: `${namespace}/${pod.metadata?.name ?? ''}`,
    namespace,
    labels: pod.metadata?.labels ?? {},
    requests: podRequests(pod, false),
    nonZeroRequests: podRequests(pod, true),
    hostPorts: hostPortsOf(pod),
    tolerations: pod.spec?.tolerations ?? [],
    spreadKey: spreadKeyOf(pod, namespace),
    hasRequiredAntiAffinity:
      (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0,
  };
}

/** Pods that finished no longer hold resources on their node. */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}
