// The Job controller's decisions without a server: finalizer tracking of finished pods, what
// to do about running pods, the outcome, and the status it writes, on a FakeClock.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';
import {
  decideActivePods,
  jobTrackingFinalizer,
  podsToRelease,
  trackFinishedPods,
} from '../../src/controllers/job-counting.js';
import { decideProgress, expiresAt, jobStatus } from '../../src/controllers/job-status.js';

const start = Date.parse('2025-01-01T00:00:00Z');

const job = (spec: Partial<NonNullable<Job['spec']>> = {}, status: Job['status'] = {}): Job => ({
  metadata: { name: 'pi', namespace: 'default' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [] } }, ...spec },
  status,
});

const pod = (uid: string, phase: string, o: { tracked?: boolean; deleted?: string } = {}): Pod => ({
  metadata: {
    name: uid,
    uid,
    ...(o.tracked === false ? {} : { finalizers: [jobTrackingFinalizer] }),
    ...(o.deleted ? { deletionTimestamp: o.deleted } : {}),
  },
  status: { phase },
});

describe('job finalizer tracking', () => {
  it('records finished pods that still hold the finalizer as uncounted, once', () => {
    const owned = [pod('a', 'Succeeded'), pod('b', 'Failed'), pod('c', 'Running'), pod('d', 'Succeeded')];
    const status = { succeeded: 2, failed: 1, uncountedTerminatedPods: { succeeded: ['d'] } };
    const t = trackFinishedPods(status, owned, false);
    expect(t.uncounted).toEqual({ succeeded: ['d', 'a'], failed: ['b'] });
    expect(t.changed).toBe(true);
    expect([t.succeeded, t.failed]).toEqual([4, 2]);
    expect(trackFinishedPods({ uncountedTerminatedPods: t.uncounted }, owned, false).changed).toBe(false);
  });

  it('counts a pod deleted before it succeeded as failed, unless the Job already succeeded', () => {
    const deleted = pod('a', 'Running', { deleted: '2025-01-01T00:00:01Z' });
    expect(trackFinishedPods({}, [deleted], false).uncounted.failed).toEqual(['a']);
    expect(trackFinishedPods({}, [deleted], true).uncounted.failed).toEqual([]);
  });

  it('ignores finished pods whose finalizer is already off', () => {
    expect(trackFinishedPods({}, [pod('a', 'Succeeded', { tracked: false })], false).changed).toBe(false);
  });

  it('releases surplus pods deleted after success, then every uncounted pod still present', () => {
    const surplus = pod('s', 'Running', { deleted: '2025-01-01T00:00:01Z' });
    const done = pod('a', 'Succeeded');
    const released = podsToRelease([done, surplus], { succeeded: ['a', 'gone'], failed: [] }, true);
    expect(released.map((p) => p.metadata?.uid)).toEqual(['s', 'a']);
    expect(podsToRelease([done, surplus], { succeeded: [], failed: [] }, false)).toEqual([]);
  });
});

describe('job running pods', () => {
  it('creates the missing pods, or deletes the surplus ones', () => {
    const running = [pod('a', 'Running'), pod('b', 'Running'), pod('c', 'Pending')];
    expect(decideActivePods(job({ completions: 5, parallelism: 4 }), running, running, 0, start)).toEqual({
      type: 'create',
      count: 1,
    });
    const change = decideActivePods(job({ completions: 5, parallelism: 2 }), running, running, 0, start);
    // The unassigned Pending pod is the least valuable.
    expect(change?.type === 'delete' && change.pods.map((p) => p.metadata?.uid)).toEqual(['c']);
    expect(decideActivePods(job({ completions: 5, parallelism: 3 }), running, running, 0, start)).toBe(
      undefined,
    );
  });

  it('waits out the failure back-off, counted from the deletion, before replacing a pod deleted while running', () => {
    const clock = new FakeClock(start);
    const failed = pod('a', 'Running', { deleted: '2025-01-01T00:00:00Z' });
    expect(decideActivePods(job(), [failed], [], 0, clock.now())).toEqual({ type: 'wait', ms: 10_000 });
    clock.step(10_000);
    expect(decideActivePods(job(), [failed], [], 0, clock.now())).toEqual({ type: 'create', count: 1 });
  });
});

describe('job outcome and status', () => {
  it('fails on the active deadline counted from the start time', () => {
    const clock = new FakeClock(start);
    const j = job({ activeDeadlineSeconds: 30 }, { startTime: '2025-01-01T00:00:00Z' });
    const running = [pod('a', 'Running')];
    expect(decideProgress(j, running, { succeeded: 0, failed: 0 }, clock.now())).toMatchObject({
      deadlineMs: start + 30_000,
      outcome: undefined,
    });
    clock.step(30_000);
    expect(decideProgress(j, running, { succeeded: 0, failed: 0 }, clock.now()).outcome?.reason).toBe(
      'DeadlineExceeded',
    );
  });

  it('puts backoffLimit before completions, and keeps an outcome decided earlier', () => {
    const j = job({ completions: 1, backoffLimit: 0 });
    expect(decideProgress(j, [], { succeeded: 1, failed: 1 }, start).outcome?.reason).toBe(
      'BackoffLimitExceeded',
    );
    expect(decideProgress(j, [], { succeeded: 1, failed: 0 }, start).outcome?.type).toBe(
      'SuccessCriteriaMet',
    );
    const decided = job(
      { completions: 1, backoffLimit: 0 },
      { conditions: [{ type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached' }] },
    );
    const p = decideProgress(decided, [], { succeeded: 1, failed: 5 }, start);
    expect([p.decided?.type, p.outcome?.type]).toEqual(['SuccessCriteriaMet', 'SuccessCriteriaMet']);
  });

  it('is Complete only once no pod runs any more', () => {
    const j = job({ completions: 1 });
    const counts = { succeeded: 1, failed: 0 };
    const running = [pod('a', 'Succeeded'), pod('b', 'Running')];
    const busy = jobStatus(j, running, counts, decideProgress(j, running, counts, start), start);
    expect(busy.finished).toBeUndefined();
    expect(busy.status.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet']);
    expect(busy.status.active).toBe(0);
    const done = [pod('a', 'Succeeded')];
    const finished = jobStatus(j, done, counts, decideProgress(j, done, counts, start), start);
    expect(finished.finished?.type).toBe('Complete');
    expect(finished.status).toMatchObject({
      completionTime: '2025-01-01T00:00:00Z',
      startTime: '2025-01-01T00:00:00Z',
      succeeded: 1,
      uncountedTerminatedPods: {},
    });
  });

  it('marks a suspended Job Suspended with no start time, and drops the mark on resume', () => {
    const suspended = job({ suspend: true });
    const s = jobStatus(
      suspended,
      [],
      { succeeded: 0, failed: 0 },
      decideProgress(suspended, [], { succeeded: 0, failed: 0 }, start),
      start,
    );
    expect(s.status.conditions?.map((c) => c.type)).toEqual(['Suspended']);
    expect(s.status.startTime).toBeUndefined();
    const resumed = job({}, s.status);
    const r = jobStatus(
      resumed,
      [],
      { succeeded: 0, failed: 0 },
      decideProgress(resumed, [], { succeeded: 0, failed: 0 }, start),
      start,
    );
    expect(r.status.conditions).toBeUndefined();
  });

  it('expires a finished Job ttlSecondsAfterFinished after completion', () => {
    const finished = { type: 'Complete', status: 'True', lastTransitionTime: '2025-01-01T00:00:05Z' };
    expect(
      expiresAt(job({ ttlSecondsAfterFinished: 60 }, { completionTime: '2025-01-01T00:00:00Z' }), finished),
    ).toBe(start + 60_000);
    expect(expiresAt(job({ ttlSecondsAfterFinished: 60 }), finished)).toBe(start + 65_000);
    expect(expiresAt(job(), finished)).toBeUndefined();
  });
});
