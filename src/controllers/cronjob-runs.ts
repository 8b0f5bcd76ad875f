// A CronJob's runs, pure; time is passed in: which scheduled time is due and what to do about
// it (start, skip as missed, wait for a running Job under Forbid), the Job made for it, which
// finished Jobs the history limits let go, and the status.
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { type CronSchedule, nextCronTime } from '../api/cron-schedule.js';
import { deepEqual } from '../api/deep-equal.js';
import { newControllerRef } from '../api/owner-references.js';
import { rfc3339 } from '../api/time.js';

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** kube requeues a little after the scheduled time so the clock has surely passed it. */
const nextScheduleDeltaMs = 100;

/** `<cronjob>-<minutes since the epoch>`: one name per scheduled time, so a start is never made twice. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/**
 * The latest scheduled time in (earliest, now], and how many were passed over (kube's
 * mostRecentScheduleTime). `earliest` is the last schedule time (or the creation time), moved up
 * to now - startingDeadlineSeconds when that is later.
 */
export function mostRecentScheduleTime(
  schedule: CronSchedule,
  earliestMs: number,
  nowMs: number,
  timeZone?: string,
): { scheduledMs?: number; missed: number } {
  let missed = 0;
  let latest: number | undefined;
  for (
    let t = nextCronTime(schedule, earliestMs, timeZone);
    t !== undefined && t <= nowMs;
    t = nextCronTime(schedule, t, timeZone)
  ) {
    latest = t;
    missed++;
  }
  return { scheduledMs: latest, missed };
}

/** RFC 3339 in the CronJob's time zone, as kube writes the scheduled-timestamp annotation. */
export function formatScheduledTime(ms: number, timeZone?: string): string {
  if (!timeZone) return rfc3339(ms);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const wall = Date.UTC(
    +get('year'),
    +get('month') - 1,
    +get('day'),
    +get('hour'),
    +get('minute'),
    +get('second'),
  );
  const offsetMin = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset =
    offsetMin === 0
      ? 'Z'
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

/** What to do at the latest scheduled time that has no Job yet. */
export type ScheduledRun =
  | { type: 'start'; name: string; scheduledMs: number; replaceRunning: boolean }
  | { type: 'missed'; scheduledMs: number };

export interface ScheduleDecision {
  run?: ScheduledRun;
  /** How many scheduled times were passed over (kube warns past 100). */
  missed: number;
  /** When to look again: just after the next scheduled time; none while Forbid waits for a running Job. */
  requeueAfterMs?: number;
}

/**
 * kube's syncCronJob decision: the most recent scheduled time since the last one (no earlier
 * than startingDeadlineSeconds ago), started unless its Job exists, its start is later than
 * the deadline allows, or Forbid finds a Job still running.
 */
export function decideSchedule(
  cj: CronJob,
  schedule: CronSchedule,
  children: readonly Job[],
  running: number,
  nowMs: number,
): ScheduleDecision {
  const spec = cj.spec!;
  const timeZone = spec.timeZone ?? undefined;
  let earliestMs = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '') || nowMs;
  if (spec.startingDeadlineSeconds != null)
    earliestMs = Math.max(earliestMs, nowMs - spec.startingDeadlineSeconds * 1000);
  const { scheduledMs, missed } = mostRecentScheduleTime(schedule, earliestMs, nowMs, timeZone);
  const next = nextCronTime(schedule, nowMs, timeZone);
  const requeueAfterMs = next !== undefined ? next - nowMs + nextScheduleDeltaMs : undefined;
  if (scheduledMs === undefined) return { missed, requeueAfterMs };
  const name = jobNameFor(cj.metadata!.name!, scheduledMs);
  if (children.some((j) => j.metadata?.name === name)) return { missed, requeueAfterMs };
  if (spec.startingDeadlineSeconds != null && scheduledMs + spec.startingDeadlineSeconds * 1000 < nowMs)
    return { run: { type: 'missed', scheduledMs }, missed, requeueAfterMs };
  // Not now: a prior run is still going. The missed time is picked up when it finishes.
  if (spec.concurrencyPolicy === 'Forbid' && running > 0) return { missed };
  return {
    run: { type: 'start', name, scheduledMs, replaceRunning: spec.concurrencyPolicy === 'Replace' },
    missed,
    requeueAfterMs,
  };
}

/** The Job for one scheduled time: the template, owned by the CronJob, with kube's scheduled-timestamp annotation. */
export function jobForSchedule(cj: CronJob, name: string, scheduledMs: number): Job {
  const template = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata?.namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      annotations: {
        ...(template?.metadata?.annotations ?? {}),
        [scheduledTimestampAnnotation]: formatScheduledTime(scheduledMs, cj.spec?.timeZone ?? undefined),
      },
      ownerReferences: [newControllerRef(cj)],
    },
    spec: structuredClone(template?.spec ?? {}) as Job['spec'],
  };
}

function startTimeOf(job: Job): number {
  return Date.parse(job.status?.startTime ?? job.metadata?.creationTimestamp ?? '') || 0;
}

/** The finished Jobs of one kind (Complete or Failed) beyond the newest `limit`, oldest first. */
export function historyToDelete(finished: readonly Job[], limit: number | undefined): Job[] {
  if (limit == null || finished.length <= limit) return [];
  const oldestFirst = [...finished].sort((a, b) => startTimeOf(a) - startTimeOf(b));
  return oldestFirst.slice(0, finished.length - limit);
}

/** The newest completion among `succeeded`, or the one the CronJob remembers if that is newer. */
export function lastSuccessfulTime(cj: CronJob, succeeded: readonly Job[]): string | undefined {
  let last = cj.status?.lastSuccessfulTime;
  for (const j of succeeded) {
    const t = j.status?.completionTime;
    if (t && (!last || Date.parse(t) > Date.parse(last))) last = t;
  }
  return last;
}

function jobRef(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata?.name,
    namespace: job.metadata?.namespace,
    uid: job.metadata?.uid,
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/** The status to write, or undefined when what the CronJob shows is still true (Job references compared by uid). */
export function cronJobStatusUpdate(
  cj: CronJob,
  active: readonly Job[],
  lastScheduleTime: string | undefined,
  lastSuccessful: string | undefined,
): CronJobStatus | undefined {
  const status: CronJobStatus = {
    ...(active.length ? { active: active.map(jobRef) } : {}),
    ...(lastScheduleTime ? { lastScheduleTime } : {}),
    ...(lastSuccessful ? { lastSuccessfulTime: lastSuccessful } : {}),
  };
  const sameActive = deepEqual(
    (cj.status?.active ?? []).map((r) => r.uid),
    (status.active ?? []).map((r) => r.uid),
  );
  const same =
    sameActive &&
    status.lastScheduleTime === cj.status?.lastScheduleTime &&
    status.lastSuccessfulTime === cj.status?.lastSuccessfulTime;
  return same ? undefined : status;
}
