// One node as the scheduler sees it (kube's framework.NodeInfo): the Node, the pods bound to
// it, and running totals of what they request and which host ports they hold. Totals are
// kept incrementally as pods come and go, so a scheduling cycle over 5,000 nodes never
// re-sums anyone's pods.
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { nodeReadyCondition } from './node-state.js';
import type { PodInfo, Resources } from './pod-info.js';
import { parseQuantity } from './quantity.js';

export interface Allocatable extends Resources {
  pods: number;
}

function allocatableOf(node: Node): Allocatable {
  const a = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, string>;
  return {
    milliCpu: a.cpu ? parseQuantity(a.cpu).milliValue() : 0,
    memory: a.memory ? parseQuantity(a.memory).value() : 0,
    pods: a.pods ? parseQuantity(a.pods).value() : 0,
  };
}

function taintsOf(node: Node, effect: (e: string) => boolean): Taint[] {
  return (node.spec?.taints ?? []).filter((t) => effect(t.effect));
}

export class NodeInfo {
  readonly name: string;
  node!: Node;
  allocatable!: Allocatable;
  /** The Ready condition's status ('True', 'False', 'Unknown'), undefined when not reported. */
  ready: string | undefined;
  /** Taints split by effect once per node update, not once per pod per node. */
  hardTaints!: Taint[];
  preferNoScheduleTaints!: Taint[];
  readonly pods = new Map<string, PodInfo>();
  /** Sum of the pods' requests (what NodeResourcesFit compares with allocatable). */
  readonly requested: Resources = { milliCpu: 0, memory: 0 };
  /** Sum with kube's non-zero defaults (what LeastAllocated/MostAllocated score). */
  readonly nonZeroRequested: Resources = { milliCpu: 0, memory: 0 };
  /** `protocol/port` -> host IPs in use on that port. */
  readonly usedPorts = new Map<string, string[]>();
  /** Pods per spread key (see PodInfo.spreadKey), for spreading replicas. */
  readonly podsBySpreadKey = new Map<string, number>();
  /** Pods with required anti-affinity, which every incoming pod must be checked against. */
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();

  constructor(node: Node) {
    this.name = node.metadata?.name ?? '';
    this.setNode(node);
  }

  static of(node: Node, pods: Iterable<PodInfo> = []): NodeInfo {
    const info = new NodeInfo(node);
    for (const p of pods) info.addPod(p);
    return info;
  }

  /** A new version of the Node (labels, taints, allocatable, conditions); pods stay. */
  setNode(node: Node): void {
    this.node = node;
    this.allocatable = allocatableOf(node);
    this.ready = nodeReadyCondition(node)?.status;
    this.hardTaints = taintsOf(node, (e) => e === 'NoSchedule' || e === 'NoExecute');
    this.preferNoScheduleTaints = taintsOf(node, (e) => e === 'PreferNoSchedule');
  }

  addPod(p: PodInfo): void {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    this.account(p, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    this.account(p, -1);
    return p;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    this.requested.milliCpu += sign * p.requests.milliCpu;
    this.requested.memory += sign * p.requests.memory;
    this.nonZeroRequested.milliCpu += sign * p.nonZeroRequests.milliCpu;
    this.nonZeroRequested.memory += sign * p.nonZeroRequests.memory;
    for (const hp of p.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      const ips = this.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(hp.hostIP);
      else ips.splice(ips.indexOf(hp.hostIP), 1);
      if (ips.length) this.usedPorts.set(k, ips);
      else this.usedPorts.delete(k);
    }
    if (p.spreadKey) {
      const n = (this.podsBySpreadKey.get(p.spreadKey) ?? 0) + sign;
      if (n > 0) this.podsBySpreadKey.set(p.spreadKey, n);
      else this.podsBySpreadKey.delete(p.spreadKey);
    }
    if (p.hasRequiredAntiAffinity) {
      if (sign > 0) this.podsWithRequiredAntiAffinity.add(p);
      else this.podsWithRequiredAntiAffinity.delete(p);
    }
  }
}
