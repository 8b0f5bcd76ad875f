// The CronJob controller against a real API server on a FakeClock: Jobs appear at scheduled
// times with kube's names and annotation; Forbid waits for the running Job and then catches up;
// Replace swaps it; finished Jobs beyond the history limit are deleted.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';
import { cronJobController } from '../../src/controllers/cronjob-controller.js';
import {
  type ControllerHarness,
  isGone,
  names,
  startControllers,
  until,
} from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const cronJob = (name: string, spec: Partial<NonNullable<CronJob['spec']>>): CronJob => ({
  metadata: { name },
  spec: {
    schedule: '* * * * *',
    ...spec,
    jobTemplate: {
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    },
  },
});

/** The first whole minute after the CronJob was created: its first scheduled time. */
const firstTick = (cj: CronJob) =>
  (Math.floor(Date.parse(cj.metadata!.creationTimestamp!) / 60_000) + 1) * 60_000;

async function finish(h: ControllerHarness, name: string): Promise<void> {
  const jobs = h.api<Job>('Job');
  const job = await jobs.get(name);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await jobs.updateStatus({
    ...job,
    status: {
      startTime: now,
      completionTime: now,
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: now, lastProbeTime: now }],
    },
  });
}

describe('cronjob controller', () => {
  it('creates Jobs on schedule; Forbid waits for the running one; old successes are cleaned up', async () => {
    const clock = new FakeClock(Date.now());
    h = await startControllers([cronJobController], { clock });
    const cronJobs = h.api<CronJob>('CronJob');
    const jobs = h.api<Job>('Job');
    const cj = await cronJobs.create(
      cronJob('tick', { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1 }),
    );
    const t1 = firstTick(cj);
    const minute = (t: number) => `tick-${t / 60_000}`;

    clock.setTime(t1 + 1_000);
    const first = await until('first job', () => jobs.get(minute(t1)));
    expect(first.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(
      new Date(t1).toISOString().replace('.000Z', 'Z'),
    );
    expect(first.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      name: 'tick',
      controller: true,
    });
    await until(
      'status.active',
      async () => (await cronJobs.get('tick')).status?.active?.[0]?.name === minute(t1),
    );

    // Forbid: the next tick passes while the first Job runs.
    clock.setTime(t1 + 61_000);
    await h.settled();
    expect(names((await jobs.list()).items)).toEqual([minute(t1)]);

    // It finishes: the missed tick starts now, and the success is recorded.
    await finish(h, minute(t1));
    await until('caught-up job', () => jobs.get(minute(t1 + 60_000)));
    const status = await until('lastSuccessfulTime', async () => {
      const s = (await cronJobs.get('tick')).status;
      return s?.lastSuccessfulTime ? s : undefined;
    });
    expect(status.lastScheduleTime).toBe(new Date(t1 + 60_000).toISOString().replace('.000Z', 'Z'));

    // Two successes with a history limit of one: the older is deleted.
    await finish(h, minute(t1 + 60_000));
    await until('oldest success deleted', () => isGone(jobs, minute(t1)));
    expect((await jobs.get(minute(t1 + 60_000))).metadata?.name).toBe(minute(t1 + 60_000));
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    const clock = new FakeClock(Date.now());
    h = await startControllers([cronJobController], { clock });
    const cronJobs = h.api<CronJob>('CronJob');
    const jobs = h.api<Job>('Job');
    const cj = await cronJobs.create(cronJob('swap', { concurrencyPolicy: 'Replace' }));
    const t1 = firstTick(cj);
    clock.setTime(t1 + 1_000);
    await until('first job', () => jobs.get(`swap-${t1 / 60_000}`));
    clock.setTime(t1 + 61_000);
    await until('second job', () => jobs.get(`swap-${t1 / 60_000 + 1}`));
    await until('first job replaced', () => isGone(jobs, `swap-${t1 / 60_000}`));
    const active = await until('active is the new job', async () => {
      const a = (await cronJobs.get('swap')).status?.active;
      return a?.length === 1 && a[0]?.name === `swap-${t1 / 60_000 + 1}` ? a : undefined;
    });
    expect(active).toHaveLength(1);
  });

  it('does nothing while suspended', async () => {
    const clock = new FakeClock(Date.now());
    h = await startControllers([cronJobController], { clock });
    const cj = await h.api<CronJob>('CronJob').create(cronJob('paused', { suspend: true }));
    await h.settled();
    clock.setTime(firstTick(cj) + 120_000);
    await h.settled();
    expect((await h.api<Job>('Job').list()).items).toHaveLength(0);
  });
});
