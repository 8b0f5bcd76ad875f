// The Job controller (kube's pkg/controller/job): runs pods until `completions` of them have
// succeeded, at most `parallelism` at a time, and gives up when pods fail more than
// `backoffLimit` times (with restartPolicy OnFailure, container restarts count too) or the
// Job has been active longer than `activeDeadlineSeconds`. Failed pods are replaced after
// kube's exponential back-off (10 s, 20 s, ...). Counting (finalizer tracking) is in
// job-counting.ts, the outcome and status in job-status.ts; this file reads and writes.
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../api/deep-equal.js';
import { controllerKeyOf } from '../api/owner-references.js';
import { resource } from '../api/resources.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  decideActivePods,
  type FinishedPodTracking,
  jobTrackingFinalizer,
  podsToRelease,
  trackFinishedPods,
} from './job-counting.js';
import {
  decidedOutcome,
  decideProgress,
  expiresAt,
  finishedCondition,
  type JobProgress,
  jobStatus,
} from './job-status.js';
import { deleteIfPresent, ignoreNotFound } from './object-deletion.js';
import { podFromTemplate } from './owned-pods.js';
import { ControllerExpectations, claimPods, PodControl } from './pod-control.js';

export const jobController: ControllerFactory = (ctx) => {
  const jobs = ctx.informers.informerFor<Job>(resource.jobs);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const expectations = new ControllerExpectations(ctx.clock);
  const controller = new Controller(
    { name: 'job-controller', clock: ctx.clock, workers: 2 },
    new JobController(ctx, jobs, pods, expectations),
  );
  controller.watch(jobs);
  controller.watch(pods, (p) => [controllerKeyOf(p, 'Job')]);
  expectations.observePodsOf(pods, 'Job');
  return controller;
};

export class JobController implements Reconciler {
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly jobs: Informer<Job>,
    private readonly pods: Informer<Pod>,
    private readonly expectations: ControllerExpectations,
  ) {
    this.recorder = ctx.recorder('job-controller');
    this.podControl = new PodControl(ctx.client, this.recorder);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const cached = this.jobs.get(key);
    if (!cached) {
      this.expectations.forget(key);
      return undefined;
    }
    const nowMs = this.ctx.clock.now();
    const finished = finishedCondition(cached);
    if (finished) return this.expireFinished(cached, finished, nowMs);
    const owned = await claimPods(
      this.ctx.client,
      cached,
      resource.jobs,
      this.pods.byIndex('namespace', cached.metadata!.namespace!),
    );
    const { job, counts } = await this.countFinishedPods(cached, owned);
    const progress = decideProgress(job, owned, counts, nowMs);
    const waitMs = await this.managePods(key, job, owned, counts, progress, nowMs);
    return this.syncStatus(job, owned, counts, progress, nowMs, waitMs);
  }

  /** Finalizer tracking: record finished pods as uncounted, then let their finalizers go. */
  private async countFinishedPods(
    cached: Job,
    owned: readonly Pod[],
  ): Promise<{ job: Job; counts: FinishedPodTracking }> {
    const status = cached.status ?? {};
    const succeededAlready = decidedOutcome(status)?.type === 'SuccessCriteriaMet';
    const counts = trackFinishedPods(status, owned, succeededAlready);
    const job = counts.changed
      ? await this.writeStatus(cached, { ...status, uncountedTerminatedPods: counts.uncounted })
      : cached;
    for (const pod of podsToRelease(owned, counts.uncounted, succeededAlready))
      await this.removeTrackingFinalizer(pod);
    return { job, counts };
  }

  /**
   * Deletes every running pod once the outcome is decided or the Job is suspended; otherwise
   * (when the cache has caught up with earlier writes) converges on the wanted number. Returns
   * how long to wait for the failure back-off, if that holds back a replacement.
   */
  private async managePods(
    key: string,
    job: Job,
    owned: readonly Pod[],
    counts: FinishedPodTracking,
    p: JobProgress,
    nowMs: number,
  ): Promise<number | undefined> {
    if (p.outcome || p.suspended) {
      if (p.active.length > 0) await this.deletePods(key, job, p.active);
      return undefined;
    }
    if (!this.expectations.satisfied(key)) return undefined;
    const change = decideActivePods(job, owned, p.active, counts.succeeded, nowMs);
    if (change?.type === 'delete') await this.deletePods(key, job, change.pods);
    if (change?.type === 'wait') return change.ms;
    if (change?.type === 'create') {
      const template = podFromTemplate(job.spec?.template, job, { generateName: `${job.metadata!.name}-` });
      template.metadata!.finalizers = [...(template.metadata!.finalizers ?? []), jobTrackingFinalizer];
      const pods = Array.from({ length: change.count }, () => structuredClone(template));
      await this.podControl.createPodsExpecting(this.expectations, key, pods, job);
    }
    return undefined;
  }

  private async deletePods(key: string, job: Job, pods: readonly Pod[]): Promise<void> {
    const error = await this.podControl.deletePodsExpecting(this.expectations, key, pods, job);
    if (error) throw error;
  }

  /** Writes the status, records Complete/Failed, and says when to look again. */
  private async syncStatus(
    job: Job,
    owned: readonly Pod[],
    counts: FinishedPodTracking,
    p: JobProgress,
    nowMs: number,
    waitMs: number | undefined,
  ): Promise<ReconcileResult | undefined> {
    const { status, finished } = jobStatus(job, owned, counts, p, nowMs);
    if (finished) {
      const complete = finished.type === 'Complete';
      void this.recorder.event(
        job,
        complete ? 'Normal' : 'Warning',
        complete ? 'Completed' : finished.reason!,
        complete ? 'Job completed' : finished.message!,
      );
    }
    const written = await this.writeStatus(job, status);
    const writtenFinished = finishedCondition(written);
    if (writtenFinished) return this.expireFinished(written, writtenFinished, nowMs);
    let requeueAfterMs = waitMs;
    if (p.deadlineMs !== undefined && !p.outcome) {
      const left = p.deadlineMs - nowMs;
      requeueAfterMs = requeueAfterMs === undefined ? left : Math.min(requeueAfterMs, left);
    }
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  /** ttlSecondsAfterFinished: delete the Job, and with it its pods, once expired. */
  private async expireFinished(
    job: Job,
    finished: JobCondition,
    nowMs: number,
  ): Promise<ReconcileResult | undefined> {
    const at = expiresAt(job, finished);
    if (at === undefined) return undefined;
    if (nowMs < at) return { requeueAfterMs: at - nowMs };
    await deleteIfPresent(this.ctx.client.resource<Job>(resource.jobs, job.metadata?.namespace), job, {
      propagationPolicy: 'Background',
    });
    return undefined;
  }

  private async removeTrackingFinalizer(pod: Pod): Promise<void> {
    const i = (pod.metadata?.finalizers ?? []).indexOf(jobTrackingFinalizer);
    if (i < 0) return;
    await ignoreNotFound(
      this.ctx.client.resource<Pod>(resource.pods, pod.metadata?.namespace).patch(
        pod.metadata!.name!,
        [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: jobTrackingFinalizer },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ],
        'json',
      ),
    );
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<Job> {
    if (deepEqual(job.status ?? {}, status)) return job;
    return this.ctx.client
      .resource<Job>(resource.jobs, job.metadata?.namespace)
      .updateStatus({ ...job, status });
  }
}
