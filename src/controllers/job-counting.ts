// The Job controller's pod arithmetic, pure: finalizer-based counting of finished pods, how
// many pods should run, when failures exceed backoffLimit, and the replacement back-off.
//
// Counting is kube's finalizer-based tracking: every pod carries the
// `batch.kubernetes.io/job-tracking` finalizer, so a finished pod cannot vanish before it is
// counted. A finished pod's uid goes into status.uncountedTerminatedPods first, then its
// finalizer comes off, then it moves into status.succeeded / status.failed — a crash between
// the steps never counts a pod twice or not at all. A pod deleted before it succeeded counts
// as failed.
import type { Job, JobStatus, UncountedTerminatedPods } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podReadyCondition } from '../api/pod-state.js';
import { compareActivePods } from './owned-pods.js';

export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';
/** kube's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
const podFailureBackoffBaseMs = 10_000;
const podFailureBackoffMaxMs = 10 * 60_000;

/** Failed, or deleted before it succeeded (kube's podReplacementPolicy TerminatingOrFailed). */
export function isPodFailed(pod: Pod): boolean {
  return (
    pod.status?.phase === 'Failed' || (!!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded')
  );
}

/** Deleted but not finished: its containers may still run. */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export interface FinishedPodTracking {
  /** status.uncountedTerminatedPods with the newly finished pods added. */
  uncounted: Required<UncountedTerminatedPods>;
  /** Whether any pod was added (the status must be written before finalizers come off). */
  changed: boolean;
  /** Succeeded and failed, counting the uncounted ones. */
  succeeded: number;
  failed: number;
}

/**
 * The first step of finalizer tracking: finished pods still holding our finalizer become
 * uncounted. `succeededAlready`: the Job met its success criteria, so pods deleted since are
 * surplus, not failures.
 */
export function trackFinishedPods(
  status: JobStatus,
  owned: readonly Pod[],
  succeededAlready: boolean,
): FinishedPodTracking {
  const uncounted: Required<UncountedTerminatedPods> = {
    succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])],
    failed: [...(status.uncountedTerminatedPods?.failed ?? [])],
  };
  let changed = false;
  for (const pod of owned) {
    if (!pod.metadata?.finalizers?.includes(jobTrackingFinalizer)) continue;
    const uid = pod.metadata.uid!;
    if (uncounted.succeeded.includes(uid) || uncounted.failed.includes(uid)) continue;
    if (pod.status?.phase === 'Succeeded') uncounted.succeeded.push(uid);
    else if (isPodFailed(pod) && !succeededAlready) uncounted.failed.push(uid);
    else continue;
    changed = true;
  }
  return {
    uncounted,
    changed,
    succeeded: (status.succeeded ?? 0) + uncounted.succeeded.length,
    failed: (status.failed ?? 0) + uncounted.failed.length,
  };
}

/**
 * The pods whose tracking finalizer may come off once the uncounted ones are recorded: surplus
 * pods deleted after success first, then every uncounted pod still present.
 */
export function podsToRelease(
  owned: readonly Pod[],
  uncounted: Required<UncountedTerminatedPods>,
  succeededAlready: boolean,
): Pod[] {
  const surplus = owned.filter(
    (p) => succeededAlready && p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded',
  );
  const byUid = new Map(owned.map((p) => [p.metadata?.uid, p]));
  const counted = [...uncounted.succeeded, ...uncounted.failed]
    .map((uid) => byUid.get(uid))
    .filter((p) => p !== undefined);
  return [...surplus, ...counted];
}

/** How many pods should be running now (kube's NonIndexed manageJob arithmetic). */
export function wantActivePods(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  // A work-queue Job (no completions): once one pod succeeded, no new pods start.
  const want = completions == null ? (succeeded > 0 ? active : parallelism) : completions - succeeded;
  return Math.max(0, Math.min(want, parallelism));
}

/** With restartPolicy OnFailure the kubelet restarts containers in place; kube counts those restarts as failures. */
function restartsOfRunningPods(pods: readonly Pod[]): number {
  let total = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])])
      total += cs.restartCount ?? 0;
  }
  return total;
}

/** kube's jobFailed check: more failures than backoffLimit, or (OnFailure) that many container restarts. */
export function exceedsBackoffLimit(job: Job, failed: number, pods: readonly Pod[]): boolean {
  const limit = job.spec?.backoffLimit ?? 6;
  if (failed > limit) return true;
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  const restarts = restartsOfRunningPods(pods);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** The delay before replacing a failed pod after `failures` consecutive failures: 10 s, 20 s, 40 s, ... up to 10 min. */
export function podFailureBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(podFailureBackoffBaseMs * 2 ** (failures - 1), podFailureBackoffMaxMs);
}

function finishTime(pod: Pod): number {
  const times = (pod.status?.containerStatuses ?? [])
    .map((c) => Date.parse(c.state?.terminated?.finishedAt ?? ''))
    .filter(Number.isFinite);
  if (times.length) return Math.max(...times);
  const deleted = Date.parse(pod.metadata?.deletionTimestamp ?? '');
  if (Number.isFinite(deleted)) return deleted;
  const ready = Date.parse(podReadyCondition(pod)?.lastTransitionTime ?? '');
  return Number.isFinite(ready) ? ready : 0;
}

/** When the next replacement pod may start: consecutive failures since the last success, from the last failure. */
export function nextPodStartAt(pods: readonly Pod[]): number {
  const lastSuccess = Math.max(0, ...pods.filter((p) => p.status?.phase === 'Succeeded').map(finishTime));
  const failures = pods.filter((p) => isPodFailed(p) && finishTime(p) > lastSuccess);
  if (failures.length === 0) return 0;
  return Math.max(...failures.map(finishTime)) + podFailureBackoffMs(failures.length);
}

/** What to do about the running pods of a Job still in progress. */
export type ActivePodsChange =
  | { type: 'delete'; pods: Pod[] }
  | { type: 'create'; count: number }
  | { type: 'wait'; ms: number }
  | undefined;

/**
 * kube's manageJob for a Job with no outcome yet: delete the least valuable surplus pods, or
 * create the missing ones once the failure back-off has passed.
 */
export function decideActivePods(
  job: Job,
  owned: readonly Pod[],
  active: readonly Pod[],
  succeeded: number,
  nowMs: number,
): ActivePodsChange {
  const want = wantActivePods(job, succeeded, active.length);
  if (active.length > want)
    return { type: 'delete', pods: [...active].sort(compareActivePods).slice(0, active.length - want) };
  if (active.length === want) return undefined;
  const startAt = nextPodStartAt(owned);
  if (startAt > nowMs) return { type: 'wait', ms: startAt - nowMs };
  return { type: 'create', count: want - active.length };
}
