// Whether a pod's tolerations let it stay on / be placed on a node with a taint, by
// Kubernetes' rules (k8s.io/api/core/v1 Toleration.ToleratesTaint): an empty key with
// operator Exists matches every taint; an empty effect matches every effect; Equal (the
// default operator) also compares the value.
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  return operator === 'Equal' && (toleration.value ?? '') === (taint.value ?? '');
}

/** The first toleration that tolerates `taint`, if any. */
export function findToleration(
  tolerations: readonly Toleration[] | undefined,
  taint: Taint,
): Toleration | undefined {
  return (tolerations ?? []).find((t) => toleratesTaint(t, taint));
}
