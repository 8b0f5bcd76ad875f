// What kube's registry strategies (PrepareForCreate) set on a new object, as opposed to
// defaulting, which runs on every write: a Namespace's "kubernetes" finalizer (which the
// namespace controller removes when it has emptied the namespace, so it must never be put
// back) and a new Pod's Pending phase and QoS class.

import type { Namespace, Pod, PodStatus } from 'kubernetes-types/core/v1.js';

export function prepareNamespaceForCreate(ns: Namespace): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= [];
  const finalizers = ns.spec.finalizers;
  if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
  ns.status = { phase: 'Active' };
}

/** The pod's QoS class (Guaranteed, Burstable or BestEffort) from its containers' cpu and memory. */
export function podQOSClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      const request = req[r] ?? lim[r];
      if (lim[r] === undefined || request !== lim[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function preparePodForCreate(pod: Pod): void {
  // kubernetes-types marks status read-only (clients never set it); the API server does.
  (pod as { status?: PodStatus }).status = { phase: 'Pending', qosClass: podQOSClass(pod) };
}
