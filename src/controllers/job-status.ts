// A Job's outcome and status, pure; time is passed in. Finishing is two steps, as kube 1.31+:
// SuccessCriteriaMet / FailureTarget when the outcome is decided (active pods are then
// deleted), Complete / Failed once no pod is left running.
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady } from '../api/pod-state.js';
import { rfc3339 } from '../api/time.js';
import { exceedsBackoffLimit, isPodTerminating } from './job-counting.js';

export interface Outcome {
  type: 'SuccessCriteriaMet' | 'FailureTarget';
  reason: string;
  message: string;
}

/** Complete or Failed: nothing left to do but expire. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The outcome decided on an earlier pass, if any. */
export function decidedOutcome(status: JobStatus): Outcome | undefined {
  return status.conditions?.find(
    (c) => (c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True',
  ) as Outcome | undefined;
}

/** Where a Job stands on this pass. */
export interface JobProgress {
  active: Pod[];
  /** Deleted, not finished: their containers may still run. */
  terminating: Pod[];
  suspended: boolean;
  startTime?: string;
  /** When activeDeadlineSeconds runs out; a suspended Job has none. */
  deadlineMs?: number;
  /** The outcome decided on an earlier pass. */
  decided?: Outcome;
  /** The outcome, decided earlier or now. */
  outcome?: Outcome;
}

/**
 * kube's order of verdicts: more failures than backoffLimit, then the active deadline, then
 * enough completions (a work-queue Job: one success and nothing running).
 */
export function decideProgress(
  job: Job,
  owned: readonly Pod[],
  counts: { succeeded: number; failed: number },
  nowMs: number,
): JobProgress {
  const status = job.status ?? {};
  const active = owned.filter(isPodActive);
  const terminating = owned.filter(isPodTerminating);
  const suspended = job.spec?.suspend === true;
  const startTime = status.startTime ?? (suspended ? undefined : rfc3339(nowMs));
  const startMs = startTime ? Date.parse(startTime) : undefined;
  const deadlineMs =
    job.spec?.activeDeadlineSeconds != null && startMs !== undefined && !suspended
      ? startMs + job.spec.activeDeadlineSeconds * 1000
      : undefined;
  const decided = decidedOutcome(status);
  const progress = { active, terminating, suspended, startTime, deadlineMs, decided, outcome: decided };
  if (decided) return progress;
  const completions = job.spec?.completions;
  if (exceedsBackoffLimit(job, counts.failed, owned))
    progress.outcome = {
      type: 'FailureTarget',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    };
  else if (deadlineMs !== undefined && nowMs >= deadlineMs)
    progress.outcome = {
      type: 'FailureTarget',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    };
  else if (
    completions != null ? counts.succeeded >= completions : counts.succeeded > 0 && active.length === 0
  )
    progress.outcome = {
      type: 'SuccessCriteriaMet',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
    };
  return progress;
}

function condition(type: string, reason: string, message: string, now: string): JobCondition {
  return { type, status: 'True', reason, message, lastProbeTime: now, lastTransitionTime: now };
}

/**
 * The status to write: Suspended while suspended, the outcome once decided, Complete or Failed
 * (returned as `finished`, for its event) once the outcome is decided and no pod runs any more.
 */
export function jobStatus(
  job: Job,
  owned: readonly Pod[],
  counts: { succeeded: number; failed: number },
  p: JobProgress,
  nowMs: number,
): { status: JobStatus; finished?: JobCondition } {
  const now = rfc3339(nowMs);
  const status = job.status ?? {};
  const conditions = [...(status.conditions ?? [])].filter((c) => c.type !== 'Suspended' || p.suspended);
  if (p.suspended && !conditions.some((c) => c.type === 'Suspended'))
    conditions.push(condition('Suspended', 'JobSuspended', 'Job suspended', now));
  const { outcome } = p;
  if (outcome && !p.decided) conditions.push(condition(outcome.type, outcome.reason, outcome.message, now));
  let completionTime = status.completionTime;
  let finished: JobCondition | undefined;
  const stillRunning = outcome ? owned.some((pod) => isPodActive(pod) || p.terminating.includes(pod)) : true;
  if (outcome && !stillRunning) {
    const type = outcome.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed';
    finished = condition(type, outcome.reason, outcome.message, now);
    conditions.push(finished);
    if (type === 'Complete') completionTime = now;
  }
  return {
    status: {
      ...(conditions.length ? { conditions } : {}),
      ...(p.startTime ? { startTime: p.startTime } : {}),
      ...(completionTime ? { completionTime } : {}),
      active: outcome || p.suspended ? 0 : p.active.length,
      ready: p.active.filter(isPodReady).length,
      succeeded: counts.succeeded,
      failed: counts.failed,
      terminating: p.terminating.length,
      uncountedTerminatedPods: {},
    },
    finished,
  };
}

/** When a finished Job with ttlSecondsAfterFinished is due for deletion (kube's ttl-after-finished controller). */
export function expiresAt(job: Job, finished: JobCondition): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl == null) return undefined;
  return Date.parse(job.status?.completionTime ?? finished.lastTransitionTime ?? '') + ttl * 1000;
}
