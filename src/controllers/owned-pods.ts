// The pods a controller owns, pure: the pod it makes from its template (with its controller
// reference), and which of its pods are least valuable when some must go (kube's
// controller.ActivePods ranking, with pod-deletion-cost).
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { newControllerRef, type OwnerObject } from '../api/owner-references.js';
import { isPodReady, podReadyCondition } from '../api/pod-state.js';

/** The pod a controller creates from its template: labels, annotations and spec copied, owned by `owner`. */
export function podFromTemplate(
  template: PodTemplateSpec | undefined,
  owner: OwnerObject,
  options: { name?: string; generateName?: string } = {},
): Pod {
  const meta = template?.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: owner.metadata?.namespace,
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}) },
      ...(meta.finalizers?.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(owner)],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
  // kube names pods `<owner>-` + 5 random characters unless the controller picks the name.
  if (options.name) pod.metadata!.name = options.name;
  else pod.metadata!.generateName = options.generateName ?? `${owner.metadata?.name}-`;
  return pod;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** kube's `controller.kubernetes.io/pod-deletion-cost`: pods with a lower cost go first. */
export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata?.annotations?.[podDeletionCostAnnotation] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function timeOf(s: string | undefined): number {
  return s ? Date.parse(s) : 0;
}

/**
 * Orders pods least valuable first, for scale-down (kube's controller.ActivePods): unassigned
 * before assigned; Pending before Unknown before Running; not ready before ready; lower
 * deletion cost first; ready for less time before ready longer; more restarts before fewer;
 * newer before older. Use with Array.prototype.sort.
 */
export function compareActivePods(a: Pod, b: Pod): number {
  const assignedA = a.spec?.nodeName ? 1 : 0;
  const assignedB = b.spec?.nodeName ? 1 : 0;
  if (assignedA !== assignedB) return assignedA - assignedB;
  const phaseA = phaseRank[a.status?.phase ?? 'Pending'] ?? 0;
  const phaseB = phaseRank[b.status?.phase ?? 'Pending'] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a) ? 1 : 0;
  const readyB = isPodReady(b) ? 1 : 0;
  if (readyA !== readyB) return readyA - readyB;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (readyA && readyB) {
    // Ready later = ready for less time = less valuable.
    const sinceA = timeOf(podReadyCondition(a)?.lastTransitionTime);
    const sinceB = timeOf(podReadyCondition(b)?.lastTransitionTime);
    if (sinceA !== sinceB) return sinceB - sinceA;
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  return timeOf(b.metadata?.creationTimestamp) - timeOf(a.metadata?.creationTimestamp);
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}
