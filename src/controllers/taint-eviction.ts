// When a pod must leave its node, pure; time is passed in: at once for a NoExecute taint it
// does not tolerate, tolerationSeconds after the taint was added for one it tolerates a while.
import type { Pod, Taint } from 'kubernetes-types/core/v1.js';
import { findToleration } from '../api/tolerations.js';

/**
 * When the pod must go: `now` for an untolerated taint, the earliest tolerationSeconds expiry
 * otherwise, or undefined if every NoExecute taint is tolerated forever (or there is none).
 */
export function evictionTime(pod: Pod, taints: readonly Taint[], now: number): number | undefined {
  let due: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const toleration = findToleration(pod.spec?.tolerations, taint);
    if (!toleration) return now;
    if (toleration.tolerationSeconds === undefined || toleration.tolerationSeconds === null) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    const at = added + Math.max(toleration.tolerationSeconds, 0) * 1000;
    due = due === undefined ? at : Math.min(due, at);
  }
  return due;
}
