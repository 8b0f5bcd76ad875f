// Pod defaulting (pkg/apis/core/v1/defaults.go): what kube-apiserver fills into every pod and
// every workload's pod template on write, so `get -o yaml` shows the same fields as Kubernetes.

import type { Container, Pod, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../quantity.js';

const defaultFileMode = 0o644;

/** The image's tag, '' when pinned by digest only, 'latest' when neither is given (docker reference rules). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  if (probe.httpGet) {
    probe.httpGet.path ||= '/';
    probe.httpGet.scheme ||= 'HTTP';
  }
}

/** Writes quantities back in canonical form (`1.5` -> `1500m`), as kube's serialisation does. */
function canonicalizeResourceList(list: Record<string, string> | undefined): void {
  if (!list) return;
  for (const [k, v] of Object.entries(list)) {
    try {
      list[k] = parseQuantity(v).toString();
    } catch {
      // left as written: validation reports it with the field path
    }
  }
}

function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy)
    c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const port of c.ports ?? []) port.protocol ||= 'TCP';
  for (const ev of c.env ?? []) {
    if (ev.valueFrom?.fieldRef) ev.valueFrom.fieldRef.apiVersion ||= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const hook of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (hook?.httpGet) {
      hook.httpGet.path ||= '/';
      hook.httpGet.scheme ||= 'HTTP';
    }
  }
  canonicalizeResourceList(c.resources?.limits);
  canonicalizeResourceList(c.resources?.requests);
}

function defaultVolume(v: Volume): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= defaultFileMode;
  if (v.configMap) v.configMap.defaultMode ??= defaultFileMode;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= defaultFileMode;
    for (const item of v.downwardAPI.items ?? []) {
      if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
    }
  }
  if (v.projected) v.projected.defaultMode ??= defaultFileMode;
  if (v.hostPath) v.hostPath.type ??= '';
}

/** SetDefaults_PodSpec plus the container, probe and volume defaults inside it. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

export function defaultPodTemplateSpec(template: PodTemplateSpec | undefined): void {
  if (template) defaultPodSpec(template.spec);
}

/**
 * SetDefaults_Pod: only a real pod (not a template) gets requests copied from limits and
 * enableServiceLinks, and with hostNetwork its container ports are also host ports.
 */
export function defaultPod(pod: Pod): void {
  const spec = pod.spec;
  if (!spec) return;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits) continue;
    c.resources!.requests ??= {};
    for (const [k, v] of Object.entries(limits)) c.resources!.requests[k] ??= v;
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const port of c.ports ?? []) port.hostPort ||= port.containerPort;
    }
  }
  defaultPodSpec(spec);
}
