// The CronJob controller (kube's pkg/controller/cronjob, v2): at each scheduled time it
// creates a Job `<cronjob>-<scheduled time in minutes since the epoch>` from the job template,
// honouring concurrencyPolicy (Allow, Forbid: skip while one runs, Replace: delete the running
// one), startingDeadlineSeconds (a start missed by more than that is skipped), suspend, and the
// history limits for finished Jobs. It sleeps until the next scheduled time with a timed
// requeue on the injected clock, so tests drive it with FakeClock.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { type CronSchedule, nextCronTime, parseCronSchedule } from '../api/cron-schedule.js';
import { deepEqual } from '../api/deep-equal.js';
import { controllerKeyOf, isControlledBy, newControllerRef } from '../api/owner-references.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import type { ControllerFactory } from './context.js';
import { finishedCondition } from './job-status.js';

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** kube requeues a little after the scheduled time so the clock has surely passed it. */
const nextScheduleDeltaMs = 100;
/** kube warns when more starts than this were missed (clock skew, or the controller was down). */
const tooManyMissed = 100;

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

function startTimeOf(job: Job): number {
  return Date.parse(job.status?.startTime ?? job.metadata?.creationTimestamp ?? '') || 0;
}

export const cronJobController: ControllerFactory = (ctx) => {
  const cronJobs = ctx.informers.informerFor<CronJob>(resource.cronJobs);
  const jobs = ctx.informers.informerFor<Job>(resource.jobs);
  const recorder = ctx.recorder('cronjob-controller');

  const deleteJob = async (cj: CronJob, job: Job, reason?: string): Promise<void> => {
    try {
      await ctx.client.resource<Job>(resource.jobs, job.metadata?.namespace).delete(job.metadata!.name!, {
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata?.uid },
      });
      if (reason) void recorder.event(cj, 'Normal', reason, `Deleted job ${job.metadata?.name}`);
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    }
  };

  /** Keeps the newest `limit` finished Jobs of one kind (Complete or Failed) and deletes the rest. */
  const cleanupHistory = async (
    cj: CronJob,
    finished: Job[],
    limit: number | undefined,
  ): Promise<Set<string>> => {
    const deleted = new Set<string>();
    if (limit == null || finished.length <= limit) return deleted;
    const oldestFirst = [...finished].sort((a, b) => startTimeOf(a) - startTimeOf(b));
    for (const job of oldestFirst.slice(0, finished.length - limit)) {
      await deleteJob(cj, job, 'SuccessfulDelete');
      deleted.add(job.metadata!.uid!);
    }
    return deleted;
  };

  const controller = new Controller(
    { name: 'cronjob-controller', clock: ctx.clock },
    {
      async reconcile(key) {
        const cj = cronJobs.get(key);
        if (!cj || cj.metadata?.deletionTimestamp) return;
        const ns = cj.metadata!.namespace!;
        const spec = cj.spec!;
        const nowMs = ctx.clock.now();
        const children = jobs.byIndex('namespace', ns).filter((j) => isControlledBy(j, cj));

        // Status from the children: running ones are active; the newest success is remembered.
        const running = children.filter((j) => !finishedCondition(j) && !j.metadata?.deletionTimestamp);
        const succeeded = children.filter((j) => finishedCondition(j)?.type === 'Complete');
        const failed = children.filter((j) => finishedCondition(j)?.type === 'Failed');
        let lastSuccessfulTime = cj.status?.lastSuccessfulTime;
        for (const j of succeeded) {
          const t = j.status?.completionTime;
          if (t && (!lastSuccessfulTime || Date.parse(t) > Date.parse(lastSuccessfulTime)))
            lastSuccessfulTime = t;
        }
        await cleanupHistory(cj, succeeded, spec.successfulJobsHistoryLimit);
        await cleanupHistory(cj, failed, spec.failedJobsHistoryLimit);

        let active = running;
        let lastScheduleTime = cj.status?.lastScheduleTime;
        let requeueAfterMs: number | undefined;
        const schedule = parseSchedule(cj);
        if (schedule && !spec.suspend) {
          const timeZone = spec.timeZone ?? undefined;
          let earliestMs = Date.parse(lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '') || nowMs;
          if (spec.startingDeadlineSeconds != null)
            earliestMs = Math.max(earliestMs, nowMs - spec.startingDeadlineSeconds * 1000);
          const { scheduledMs, missed } = mostRecentScheduleTime(schedule, earliestMs, nowMs, timeZone);
          if (missed > tooManyMissed) {
            void recorder.event(
              cj,
              'Warning',
              'TooManyMissedTimes',
              `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
            );
          }
          const next = nextCronTime(schedule, nowMs, timeZone);
          if (next !== undefined) requeueAfterMs = next - nowMs + nextScheduleDeltaMs;
          const name = scheduledMs !== undefined ? jobNameFor(cj.metadata!.name!, scheduledMs) : undefined;
          const alreadyMade = name !== undefined && children.some((j) => j.metadata?.name === name);
          if (scheduledMs !== undefined && !alreadyMade) {
            const tooLate =
              spec.startingDeadlineSeconds != null &&
              scheduledMs + spec.startingDeadlineSeconds * 1000 < nowMs;
            if (tooLate) {
              void recorder.event(
                cj,
                'Warning',
                'MissSchedule',
                `Missed scheduled time to start a job: ${formatScheduledTime(scheduledMs, timeZone)}`,
              );
            } else if (spec.concurrencyPolicy === 'Forbid' && running.length > 0) {
              // Not now: a prior run is still going. The missed time is picked up when it finishes.
              requeueAfterMs = undefined;
            } else {
              if (spec.concurrencyPolicy === 'Replace') {
                for (const j of running) await deleteJob(cj, j, 'SuccessfulDelete');
                active = [];
              }
              const created = await createJob(cj, name!, scheduledMs, timeZone);
              if (created) active = [...active, created];
              lastScheduleTime = rfc3339(scheduledMs);
            }
          }
        }

        const status: NonNullable<CronJob['status']> = {
          ...(active.length ? { active: active.map(jobRef) } : {}),
          ...(lastScheduleTime ? { lastScheduleTime } : {}),
          ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
        };
        const sameActive = deepEqual(
          (cj.status?.active ?? []).map((r) => r.uid),
          (status.active ?? []).map((r) => r.uid),
        );
        if (
          !sameActive ||
          status.lastScheduleTime !== cj.status?.lastScheduleTime ||
          status.lastSuccessfulTime !== cj.status?.lastSuccessfulTime
        ) {
          await ctx.client.resource<CronJob>(resource.cronJobs, ns).updateStatus({ ...cj, status });
        }
        return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
      },
    },
  );

  function parseSchedule(cj: CronJob): CronSchedule | undefined {
    try {
      return parseCronSchedule(cj.spec?.schedule ?? '');
    } catch (e) {
      void recorder.event(
        cj,
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: ${cj.spec?.schedule} : ${(e as Error).message}`,
      );
      return undefined;
    }
  }

  async function createJob(
    cj: CronJob,
    name: string,
    scheduledMs: number,
    timeZone?: string,
  ): Promise<Job | undefined> {
    const template = cj.spec?.jobTemplate;
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata?.namespace,
        labels: { ...(template?.metadata?.labels ?? {}) },
        annotations: {
          ...(template?.metadata?.annotations ?? {}),
          [scheduledTimestampAnnotation]: formatScheduledTime(scheduledMs, timeZone),
        },
        ownerReferences: [newControllerRef(cj)],
      },
      spec: structuredClone(template?.spec ?? {}) as Job['spec'],
    };
    try {
      const created = await ctx.client.resource<Job>(resource.jobs, cj.metadata?.namespace).create(job);
      void recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      return created;
    } catch (e) {
      // Made by an earlier pass that our caches have not seen yet: the name is unique per scheduled time.
      if (e instanceof StatusError && e.reason === 'AlreadyExists') return undefined;
      void recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
  }

  controller.watch(cronJobs);
  controller.watch(jobs, (j) => [controllerKeyOf(j, 'CronJob')]);
  return controller;
};
