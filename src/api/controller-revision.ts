// The template revision a DaemonSet or StatefulSet pod was made from: kube labels such pods
// with the hash of their ControllerRevision, so a rollout can tell old pods from new ones.
import type { Pod } from 'kubernetes-types/core/v1.js';

export const controllerRevisionHashLabel = 'controller-revision-hash';

export function revisionHashOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[controllerRevisionHashLabel];
}
