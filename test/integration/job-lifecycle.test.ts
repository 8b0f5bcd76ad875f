// The Job controller against a real API server on a FakeClock, with the scheduler and a
// SIMULATED node agent running the pods (kubelab/job exits 0 after 2 s of the clock, `exit 1`
// fails at once): completion, failure on backoffLimit (with kube's replacement back-off),
// failure on activeDeadlineSeconds, and container restarts counted under restartPolicy OnFailure.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { jobController } from '../../src/controllers/job-controller.js';
import { jobTrackingFinalizer } from '../../src/controllers/job-counting.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

/** What the job's container does, as the sim runtime plays it. */
const succeeds = { image: 'kubelab/job' };
const fails = { image: 'busybox', command: ['sh', '-c', 'exit 1'] };
const runsOn = { image: 'busybox', command: ['sh', '-c', 'sleep infinity'] };

const job = (
  name: string,
  spec: Partial<NonNullable<Job['spec']>>,
  work: { image: string; command?: string[] },
  restartPolicy = 'Never',
): Job => ({
  metadata: { name },
  spec: {
    ...spec,
    template: { spec: { restartPolicy, containers: [{ name: 'work', ...work }] } },
  },
});

const start = () => startControllers([jobController], { nodes: ['node-a'] });

const condition = (j: Job, type: string) =>
  j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

async function podsOf(h: ControllerHarness, jobName: string): Promise<Pod[]> {
  return (await h.api<Pod>('Pod').list({ labelSelector: `batch.kubernetes.io/job-name=${jobName}` })).items;
}

describe('job controller', () => {
  it('runs pods until completions succeed, then is Complete', async () => {
    h = await start();
    const jobs = h.api<Job>('Job');
    const created = await jobs.create(job('pi', { completions: 2, parallelism: 1 }, succeeds));
    const first = await until('first pod', async () => (await podsOf(h, 'pi'))[0]);
    expect(first.metadata?.labels?.['batch.kubernetes.io/controller-uid']).toBe(created.metadata?.uid);
    expect(first.metadata?.finalizers).toContain(jobTrackingFinalizer);
    expect(first.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', controller: true });
    await h.advance(2_000); // the first pod's container exits 0

    await until('second pod', async () =>
      (await podsOf(h, 'pi')).find((p) => p.metadata?.name !== first.metadata?.name),
    );
    await h.advance(2_000);
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
    h = await start();
    const jobs = h.api<Job>('Job');
    await jobs.create(job('flaky', { backoffLimit: 1 }, fails));
    const first = await until('first pod', async () => (await podsOf(h, 'flaky'))[0]);
    await h.advance(100); // its container exits 1
    await until('failure counted', async () => (await jobs.get('flaky')).status?.failed === 1);
    // No replacement before the 10 s back-off has passed.
    await h.settled();
    expect(await podsOf(h, 'flaky')).toHaveLength(1);
    await until('replacement after back-off', async () => {
      await h.advance(1_000);
      return (await podsOf(h, 'flaky')).find((p) => p.metadata?.name !== first.metadata?.name);
    });
    await h.advance(100);
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
    h = await start();
    const jobs = h.api<Job>('Job');
    await jobs.create(job('slow', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }, runsOn));
    await until('two pods running', async () => {
      const ps = await podsOf(h, 'slow');
      return ps.length === 2 && ps.every((p) => p.status?.phase === 'Running');
    });
    await h.advance(31_000);
    const failed = await until('Failed', async () => {
      const j = await jobs.get('slow');
      return condition(j, 'Failed') ? j : undefined;
    });
    await h.settled(); // the agent has stopped the killed pods
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    expect(await podsOf(h, 'slow')).toHaveLength(0);
    expect(failed.status).toMatchObject({ active: 0, failed: 2 });
  });

  it('counts container restarts toward backoffLimit with restartPolicy OnFailure', async () => {
    h = await start();
    const jobs = h.api<Job>('Job');
    await jobs.create(job('crashy', { backoffLimit: 2 }, fails, 'OnFailure'));
    await until('pod', async () => (await podsOf(h, 'crashy'))[0]);
    // The container exits 1 and the agent restarts it, with its crash-loop back-off, in place.
    const failed = await until('Failed', async () => {
      await h.advance(1_000);
      const j = await jobs.get('crashy');
      return condition(j, 'Failed') ? j : undefined;
    });
    expect(condition(failed, 'Failed')?.reason).toBe('BackoffLimitExceeded');
  });
});
