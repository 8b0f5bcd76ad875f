// The Job controller against a real API server, the test playing the kubelet: completion,
// failure on backoffLimit (with kube's replacement back-off, stepped on a FakeClock), failure on
// activeDeadlineSeconds, and container restarts counted under restartPolicy OnFailure.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';
import { jobController, jobTrackingFinalizer } from '../../src/controllers/job-controller.js';
import {
  type ControllerHarness,
  setPodFinished,
  setPodRunning,
  startControllers,
  until,
} from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const job = (name: string, spec: Partial<NonNullable<Job['spec']>>, restartPolicy = 'Never'): Job => ({
  metadata: { name },
  spec: {
    ...spec,
    template: { spec: { restartPolicy, containers: [{ name: 'work', image: 'busybox' }] } },
  },
});

const condition = (j: Job, type: string) =>
  j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

async function podsOf(h: ControllerHarness, jobName: string): Promise<Pod[]> {
  return (await h.api<Pod>('Pod').list({ labelSelector: `batch.kubernetes.io/job-name=${jobName}` })).items;
}

describe('job controller', () => {
  it('runs pods until completions succeed, then is Complete', async () => {
    h = await startControllers([jobController]);
    const jobs = h.api<Job>('Job');
    const pods = h.api<Pod>('Pod');
    const created = await jobs.create(job('pi', { completions: 2, parallelism: 1 }));
    const first = await until('first pod', async () => (await podsOf(h, 'pi'))[0]);
    expect(first.metadata?.labels?.['batch.kubernetes.io/controller-uid']).toBe(created.metadata?.uid);
    expect(first.metadata?.finalizers).toContain(jobTrackingFinalizer);
    expect(first.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', controller: true });
    await setPodFinished(pods, first.metadata!.name!, 'Succeeded');

    const second = await until('second pod', async () =>
      (await podsOf(h, 'pi')).find((p) => p.metadata?.name !== first.metadata?.name),
    );
    await setPodFinished(pods, second.metadata!.name!, 'Succeeded');
    const done = await until('Complete', async () => {
      const j = await jobs.get('pi');
      return condition(j, 'Complete') ? j : undefined;
    });
    expect(done.status).toMatchObject({ succeeded: 2, failed: 0, active: 0 });
    expect(done.status?.completionTime).toBeTruthy();
    expect(condition(done, 'SuccessCriteriaMet')?.reason).toBe('CompletionsReached');
    await until('finalizers released', async () =>
      (await podsOf(h, 'pi')).every((p) => !p.metadata?.finalizers?.includes(jobTrackingFinalizer)),
    );
  });

  it('replaces failed pods after a back-off and fails with BackoffLimitExceeded', async () => {
    const clock = new FakeClock(Date.now());
    h = await startControllers([jobController], { clock });
    const jobs = h.api<Job>('Job');
    const pods = h.api<Pod>('Pod');
    await jobs.create(job('flaky', { backoffLimit: 1 }));
    const first = await until('first pod', async () => (await podsOf(h, 'flaky'))[0]);
    await setPodFinished(pods, first.metadata!.name!, 'Failed');
    await until('failure counted', async () => (await jobs.get('flaky')).status?.failed === 1);
    // No replacement before the 10 s back-off has passed.
    expect(await podsOf(h, 'flaky')).toHaveLength(1);
    const second = await until('replacement after back-off', async () => {
      clock.step(1_000);
      return (await podsOf(h, 'flaky')).find((p) => p.metadata?.name !== first.metadata?.name);
    });
    await setPodFinished(pods, second.metadata!.name!, 'Failed');
    const failed = await until('Failed', async () => {
      const j = await jobs.get('flaky');
      return condition(j, 'Failed') ? j : undefined;
    });
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(failed.status).toMatchObject({ failed: 2, succeeded: 0, active: 0 });
    expect(failed.status?.completionTime).toBeUndefined();
  });

  it('kills active pods and fails with DeadlineExceeded after activeDeadlineSeconds', async () => {
    const clock = new FakeClock(Date.now());
    h = await startControllers([jobController], { clock });
    const jobs = h.api<Job>('Job');
    const pods = h.api<Pod>('Pod');
    await jobs.create(job('slow', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    const running = await until('two pods', async () => {
      const ps = await podsOf(h, 'slow');
      return ps.length === 2 ? ps : undefined;
    });
    for (const p of running) await setPodRunning(pods, p.metadata!.name!);
    clock.step(31_000);
    const failed = await until('Failed', async () => {
      const j = await jobs.get('slow');
      return condition(j, 'Failed') ? j : undefined;
    });
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    expect(await podsOf(h, 'slow')).toHaveLength(0);
    expect(failed.status).toMatchObject({ active: 0, failed: 2 });
  });

  it('counts container restarts toward backoffLimit with restartPolicy OnFailure', async () => {
    h = await startControllers([jobController]);
    const jobs = h.api<Job>('Job');
    const pods = h.api<Pod>('Pod');
    await jobs.create(job('crashy', { backoffLimit: 2 }, 'OnFailure'));
    const pod = await until('pod', async () => (await podsOf(h, 'crashy'))[0]);
    const running = await setPodRunning(pods, pod.metadata!.name!, { ready: false });
    await pods.updateStatus({
      ...running,
      status: {
        ...running.status,
        containerStatuses: [
          {
            name: 'work',
            image: 'busybox',
            imageID: '',
            ready: false,
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    });
    const failed = await until('Failed', async () => {
      const j = await jobs.get('crashy');
      return condition(j, 'Failed') ? j : undefined;
    });
    expect(condition(failed, 'Failed')?.reason).toBe('BackoffLimitExceeded');
  });
});
