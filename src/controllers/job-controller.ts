// The Job controller (kube's pkg/controller/job): runs pods until `completions` of them have
// succeeded, at most `parallelism` at a time, and gives up when pods fail more than
// `backoffLimit` times (with restartPolicy OnFailure, container restarts count too) or the
// Job has been active longer than `activeDeadlineSeconds`.
//
// Counting is kube's finalizer-based tracking: every pod carries the
// `batch.kubernetes.io/job-tracking` finalizer, so a finished pod cannot vanish before it is
// counted. A finished pod's uid goes into status.uncountedTerminatedPods first, then its
// finalizer comes off, then it moves into status.succeeded / status.failed — a crash between
// the steps never counts a pod twice or not at all. A pod deleted before it succeeded counts
// as failed. Failed pods are replaced after kube's exponential back-off (10 s, 20 s, ...).
//
// Finishing is two steps, as kube 1.31+: SuccessCriteriaMet / FailureTarget when the outcome
// is decided (active pods are then deleted), Complete / Failed once no pod is left running.
import type { Job, JobCondition, UncountedTerminatedPods } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../api/deep-equal.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { controllerKeyOf } from '../api/owner-references.js';
import { isPodActive, isPodReady, podReadyCondition } from '../api/pod-state.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import { objectKey } from '../client/object-key.js';
import { claimObjects } from './claim-objects.js';
import type { ControllerFactory } from './context.js';
import { ControllerExpectations, compareActivePods, PodControl, podFromTemplate } from './pod-control.js';

export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';
/** kube's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const podFailureBackoffBaseMs = 10_000;
export const podFailureBackoffMaxMs = 10 * 60_000;

type Outcome = { type: 'SuccessCriteriaMet' | 'FailureTarget'; reason: string; message: string };

export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
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
export function restartsOfRunningPods(pods: readonly Pod[]): number {
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

/** Failed, or deleted before it succeeded (kube's podReplacementPolicy TerminatingOrFailed). */
function isPodFailed(pod: Pod): boolean {
  return (
    pod.status?.phase === 'Failed' || (!!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded')
  );
}

function condition(type: string, reason: string, message: string, now: string): JobCondition {
  return { type, status: 'True', reason, message, lastProbeTime: now, lastTransitionTime: now };
}

export const jobController: ControllerFactory = (ctx) => {
  const jobs = ctx.informers.informerFor<Job>(resource.jobs);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const podControl = new PodControl(ctx.client, ctx.recorder('job-controller'));
  const expectations = new ControllerExpectations(ctx.clock);

  const removeTrackingFinalizer = async (pod: Pod): Promise<void> => {
    const i = (pod.metadata?.finalizers ?? []).indexOf(jobTrackingFinalizer);
    if (i < 0) return;
    try {
      await ctx.client.resource<Pod>(resource.pods, pod.metadata?.namespace).patch(
        pod.metadata!.name!,
        [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: jobTrackingFinalizer },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ],
        'json',
      );
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    }
  };

  const writeStatus = async (job: Job, status: NonNullable<Job['status']>): Promise<Job> => {
    if (deepEqual(job.status ?? {}, status)) return job;
    return ctx.client.resource<Job>(resource.jobs, job.metadata?.namespace).updateStatus({ ...job, status });
  };

  const controller = new Controller(
    { name: 'job-controller', clock: ctx.clock, workers: 2 },
    {
      async reconcile(key) {
        let job = jobs.get(key);
        if (!job) {
          expectations.forget(key);
          return;
        }
        const nowMs = ctx.clock.now();
        const now = rfc3339(nowMs);
        const finished = finishedCondition(job);
        if (finished) return expireFinished(job, finished, nowMs);

        const ns = job.metadata!.namespace!;
        const jobClient = ctx.client.resource<Job>(resource.jobs, ns);
        const owned = await claimObjects(pods.byIndex('namespace', ns), {
          controller: job,
          selector: selectorFromLabelSelector(job.spec?.selector),
          objects: ctx.client.resource<Pod>(resource.pods, ns),
          recheck: () => jobClient.get(job!.metadata!.name!).catch(() => undefined),
        });

        // 1. Accounting: finished pods still holding our finalizer are not counted yet.
        const status = job.status ?? {};
        const uncounted: Required<UncountedTerminatedPods> = {
          succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])],
          failed: [...(status.uncountedTerminatedPods?.failed ?? [])],
        };
        const outcomeSoFar = status.conditions?.find(
          (c) => (c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True',
        );
        let newlyUncounted = false;
        for (const pod of owned) {
          if (!pod.metadata?.finalizers?.includes(jobTrackingFinalizer)) continue;
          const uid = pod.metadata.uid!;
          if (uncounted.succeeded.includes(uid) || uncounted.failed.includes(uid)) continue;
          if (pod.status?.phase === 'Succeeded') uncounted.succeeded.push(uid);
          // Pods we delete once the Job succeeded are surplus, not failures.
          else if (isPodFailed(pod) && outcomeSoFar?.type !== 'SuccessCriteriaMet')
            uncounted.failed.push(uid);
          else continue;
          newlyUncounted = true;
        }
        if (newlyUncounted) job = await writeStatus(job, { ...status, uncountedTerminatedPods: uncounted });
        const byUid = new Map(owned.map((p) => [p.metadata?.uid, p]));
        for (const p of owned) {
          // Surplus pods deleted after success only need their finalizer released.
          if (
            p.metadata?.deletionTimestamp &&
            p.status?.phase !== 'Succeeded' &&
            outcomeSoFar?.type === 'SuccessCriteriaMet'
          )
            await removeTrackingFinalizer(p);
        }
        for (const uid of [...uncounted.succeeded, ...uncounted.failed]) {
          const pod = byUid.get(uid);
          if (pod) await removeTrackingFinalizer(pod);
        }
        const succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
        const failed = (status.failed ?? 0) + uncounted.failed.length;

        // 2. Decide the outcome.
        const active = owned.filter(isPodActive);
        const terminating = owned.filter(
          (p) =>
            p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
        );
        const suspended = job.spec?.suspend === true;
        const startTime = status.startTime ?? (suspended ? undefined : now);
        const startMs = startTime ? Date.parse(startTime) : undefined;
        const deadlineMs =
          job.spec?.activeDeadlineSeconds != null && startMs !== undefined && !suspended
            ? startMs + job.spec.activeDeadlineSeconds * 1000
            : undefined;
        let outcome: Outcome | undefined = outcomeSoFar as Outcome | undefined;
        const completions = job.spec?.completions;
        if (!outcome) {
          if (exceedsBackoffLimit(job, failed, owned))
            outcome = {
              type: 'FailureTarget',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            };
          else if (deadlineMs !== undefined && nowMs >= deadlineMs)
            outcome = {
              type: 'FailureTarget',
              reason: 'DeadlineExceeded',
              message: 'Job was active longer than specified deadline',
            };
          else if (completions != null ? succeeded >= completions : succeeded > 0 && active.length === 0)
            outcome = {
              type: 'SuccessCriteriaMet',
              reason: 'CompletionsReached',
              message: 'Reached expected number of succeeded pods',
            };
        }

        // 3. Converge pods.
        let requeueAfterMs: number | undefined;
        if (outcome || suspended) {
          if (active.length > 0) {
            expectations.expectDeletions(key, active.map(objectKey));
            await Promise.all(active.map((p) => podControl.deletePod(p, job!)));
          }
        } else if (expectations.satisfied(key)) {
          const want = wantActivePods(job, succeeded, active.length);
          if (active.length > want) {
            const surplus = [...active].sort(compareActivePods).slice(0, active.length - want);
            expectations.expectDeletions(key, surplus.map(objectKey));
            await Promise.all(surplus.map((p) => podControl.deletePod(p, job!)));
          } else if (active.length < want) {
            const startAt = nextPodStartAt(owned);
            if (startAt > nowMs) {
              requeueAfterMs = startAt - nowMs;
            } else {
              const missing = want - active.length;
              expectations.expectCreations(key, missing);
              const template = podFromTemplate(job.spec?.template, job, {
                generateName: `${job.metadata!.name}-`,
              });
              template.metadata!.finalizers = [
                ...(template.metadata!.finalizers ?? []),
                jobTrackingFinalizer,
              ];
              const results = await Promise.allSettled(
                Array.from({ length: missing }, () => podControl.createPod(structuredClone(template), job!)),
              );
              for (const r of results) if (r.status === 'rejected') expectations.creationObserved(key);
              const failure = results.find((r) => r.status === 'rejected');
              if (failure) throw failure.reason;
            }
          }
        }

        // 4. Status.
        const conditions = [...(status.conditions ?? [])].filter((c) => c.type !== 'Suspended' || suspended);
        if (suspended && !conditions.some((c) => c.type === 'Suspended'))
          conditions.push(condition('Suspended', 'JobSuspended', 'Job suspended', now));
        if (outcome && !outcomeSoFar)
          conditions.push(condition(outcome.type, outcome.reason, outcome.message, now));
        let completionTime = status.completionTime;
        const stillRunning = outcome ? owned.some((p) => isPodActive(p) || terminating.includes(p)) : true;
        if (outcome && !stillRunning) {
          const final = outcome.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed';
          conditions.push(condition(final, outcome.reason, outcome.message, now));
          if (final === 'Complete') completionTime = now;
          void ctx
            .recorder('job-controller')
            .event(
              job,
              final === 'Complete' ? 'Normal' : 'Warning',
              final === 'Complete' ? 'Completed' : outcome.reason,
              final === 'Complete' ? 'Job completed' : outcome.message,
            );
        }
        const next: NonNullable<Job['status']> = {
          ...(conditions.length ? { conditions } : {}),
          ...(startTime ? { startTime } : {}),
          ...(completionTime ? { completionTime } : {}),
          active: outcome || suspended ? 0 : active.length,
          ready: active.filter(isPodReady).length,
          succeeded,
          failed,
          terminating: terminating.length,
          uncountedTerminatedPods: {},
        };
        const written = await writeStatus(job, next);
        if (finishedCondition(written)) return expireFinished(written, finishedCondition(written)!, nowMs);
        if (deadlineMs !== undefined && !outcome) {
          const left = deadlineMs - nowMs;
          requeueAfterMs = requeueAfterMs === undefined ? left : Math.min(requeueAfterMs, left);
        }
        return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
      },
    },
  );

  /** ttlSecondsAfterFinished (kube's ttl-after-finished controller): delete the Job, and with it its pods, once expired. */
  async function expireFinished(job: Job, finished: JobCondition, nowMs: number) {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl == null) return;
    const at = Date.parse(job.status?.completionTime ?? finished.lastTransitionTime ?? '') + ttl * 1000;
    if (nowMs < at) return { requeueAfterMs: at - nowMs };
    try {
      await ctx.client.resource<Job>(resource.jobs, job.metadata?.namespace).delete(job.metadata!.name!, {
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata?.uid },
      });
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    }
  }

  controller.watch(jobs);
  controller.watch(pods, (p) => [controllerKeyOf(p, 'Job')]);
  pods.addEventHandler({
    onAdd: (p) => {
      const key = controllerKeyOf(p, 'Job');
      if (key) expectations.creationObserved(key);
    },
    onUpdate: (_old, p) => {
      const key = controllerKeyOf(p, 'Job');
      if (key && p.metadata?.deletionTimestamp) expectations.deletionObserved(key, objectKey(p));
    },
    onDelete: (p) => {
      const key = controllerKeyOf(p, 'Job');
      if (key) expectations.deletionObserved(key, objectKey(p));
    },
  });
  return controller;
};
