// Mutating admission that Kubernetes runs by default and kubelab's behaviour depends on.
// DefaultTolerationSeconds: every pod tolerates the not-ready and unreachable NoExecute taints
// for a bounded time, so when a node goes silent its pods are evicted after that time (the
// active profile's value: seconds in the lab profile, 300 s upstream) instead of never.
import type { Profile } from '../api/profiles.js';
import type { ApiObject } from './object-meta.js';

interface Toleration {
  key?: string;
  operator?: string;
  effect?: string;
  tolerationSeconds?: number;
}

const notReady = 'node.kubernetes.io/not-ready';
const unreachable = 'node.kubernetes.io/unreachable';

function tolerates(list: Toleration[], key: string): boolean {
  return list.some(
    (t) =>
      (t.key === key || (t.key === undefined && t.operator === 'Exists')) &&
      (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'),
  );
}

export function admitPodCreate(pod: ApiObject, profile: Profile): void {
  const spec = (pod.spec ?? {}) as { tolerations?: Toleration[] };
  const tolerations = [...(spec.tolerations ?? [])];
  if (!tolerates(tolerations, notReady)) {
    tolerations.push({
      key: notReady,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: profile.defaultNotReadyTolerationSeconds,
    });
  }
  if (!tolerates(tolerations, unreachable)) {
    tolerations.push({
      key: unreachable,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: profile.defaultUnreachableTolerationSeconds,
    });
  }
  pod.spec = { ...spec, tolerations };
}
