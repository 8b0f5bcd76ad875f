// The CronJob controller (kube's pkg/controller/cronjob, v2): at each scheduled time it
// creates a Job `<cronjob>-<scheduled time in minutes since the epoch>` from the job template,
// honouring concurrencyPolicy (Allow, Forbid: skip while one runs, Replace: delete the running
// one), startingDeadlineSeconds (a start missed by more than that is skipped), suspend, and the
// history limits for finished Jobs. It sleeps until the next scheduled time with a timed
// requeue on the injected clock, so tests drive it with FakeClock. The decisions are in
// cronjob-runs.ts; this file reads and writes.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { type CronSchedule, parseCronSchedule } from '../api/cron-schedule.js';
import { controllerKeyOf, isControlledBy } from '../api/owner-references.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  cronJobStatusUpdate,
  decideSchedule,
  formatScheduledTime,
  historyToDelete,
  jobForSchedule,
  lastSuccessfulTime,
} from './cronjob-runs.js';
import { finishedCondition } from './job-status.js';
import { deleteIfPresent } from './object-deletion.js';

/** kube warns when more starts than this were missed (clock skew, or the controller was down). */
const tooManyMissed = 100;

export const cronJobController: ControllerFactory = (ctx) => {
  const cronJobs = ctx.informers.informerFor<CronJob>(resource.cronJobs);
  const jobs = ctx.informers.informerFor<Job>(resource.jobs);
  const controller = new Controller(
    { name: 'cronjob-controller', clock: ctx.clock },
    new CronJobController(ctx, cronJobs, jobs),
  );
  controller.watch(cronJobs);
  controller.watch(jobs, (j) => [controllerKeyOf(j, 'CronJob')]);
  return controller;
};

export class CronJobController implements Reconciler {
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly cronJobs: Informer<CronJob>,
    private readonly jobs: Informer<Job>,
  ) {
    this.recorder = ctx.recorder('cronjob-controller');
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const cj = this.cronJobs.get(key);
    if (!cj || cj.metadata?.deletionTimestamp) return undefined;
    const children = this.jobs
      .byIndex('namespace', cj.metadata!.namespace!)
      .filter((j) => isControlledBy(j, cj));
    const running = children.filter((j) => !finishedCondition(j) && !j.metadata?.deletionTimestamp);
    const succeeded = children.filter((j) => finishedCondition(j)?.type === 'Complete');
    const failed = children.filter((j) => finishedCondition(j)?.type === 'Failed');
    await this.cleanupHistory(cj, succeeded, cj.spec?.successfulJobsHistoryLimit);
    await this.cleanupHistory(cj, failed, cj.spec?.failedJobsHistoryLimit);
    const run = await this.runSchedule(cj, children, running);
    await this.syncStatus(cj, run.active, run.lastScheduleTime, lastSuccessfulTime(cj, succeeded));
    return run.requeueAfterMs === undefined ? undefined : { requeueAfterMs: run.requeueAfterMs };
  }

  /** Keeps the newest finished Jobs the history limit allows and deletes the rest. */
  private async cleanupHistory(cj: CronJob, finished: Job[], limit: number | undefined): Promise<void> {
    for (const job of historyToDelete(finished, limit)) await this.deleteJob(cj, job);
  }

  /** Starts (or skips) the run that is due; returns the Jobs active afterwards and when to look again. */
  private async runSchedule(
    cj: CronJob,
    children: readonly Job[],
    running: Job[],
  ): Promise<{ active: Job[]; lastScheduleTime?: string; requeueAfterMs?: number }> {
    const lastScheduleTime = cj.status?.lastScheduleTime;
    const schedule = this.parseSchedule(cj);
    if (!schedule || cj.spec?.suspend) return { active: running, lastScheduleTime };
    const decision = decideSchedule(cj, schedule, children, running.length, this.ctx.clock.now());
    const { run, requeueAfterMs } = decision;
    if (decision.missed > tooManyMissed) {
      void this.recorder.event(
        cj,
        'Warning',
        'TooManyMissedTimes',
        `too many missed start times: ${decision.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    }
    if (run?.type === 'missed') {
      void this.recorder.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${formatScheduledTime(run.scheduledMs, cj.spec?.timeZone ?? undefined)}`,
      );
    }
    if (run?.type !== 'start') return { active: running, lastScheduleTime, requeueAfterMs };
    let active = running;
    if (run.replaceRunning) {
      for (const j of running) await this.deleteJob(cj, j);
      active = [];
    }
    const created = await this.createJob(cj, jobForSchedule(cj, run.name, run.scheduledMs));
    if (created) active = [...active, created];
    return { active, lastScheduleTime: rfc3339(run.scheduledMs), requeueAfterMs };
  }

  private async syncStatus(
    cj: CronJob,
    active: readonly Job[],
    lastScheduleTime: string | undefined,
    lastSuccessful: string | undefined,
  ): Promise<void> {
    const status = cronJobStatusUpdate(cj, active, lastScheduleTime, lastSuccessful);
    if (status)
      await this.ctx.client
        .resource<CronJob>(resource.cronJobs, cj.metadata?.namespace)
        .updateStatus({ ...cj, status });
  }

  private parseSchedule(cj: CronJob): CronSchedule | undefined {
    try {
      return parseCronSchedule(cj.spec?.schedule ?? '');
    } catch (e) {
      void this.recorder.event(
        cj,
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: ${cj.spec?.schedule} : ${(e as Error).message}`,
      );
      return undefined;
    }
  }

  private async createJob(cj: CronJob, job: Job): Promise<Job | undefined> {
    try {
      const created = await this.ctx.client.resource<Job>(resource.jobs, cj.metadata?.namespace).create(job);
      void this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata?.name}`);
      return created;
    } catch (e) {
      // Made by an earlier pass that our caches have not seen yet: the name is unique per scheduled time.
      if (e instanceof StatusError && e.reason === 'AlreadyExists') return undefined;
      void this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deleteJob(cj: CronJob, job: Job): Promise<void> {
    const jobs = this.ctx.client.resource<Job>(resource.jobs, job.metadata?.namespace);
    if (await deleteIfPresent(jobs, job, { propagationPolicy: 'Background' }))
      void this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
  }
}
