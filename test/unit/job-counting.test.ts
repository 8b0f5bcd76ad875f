// The Job controller's arithmetic: how many pods to run, when failures exceed backoffLimit
// (container restarts count under OnFailure), and the replacement back-off.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  exceedsBackoffLimit,
  nextPodStartAt,
  podFailureBackoffMs,
  wantActivePods,
} from '../../src/controllers/job-counting.js';

const job = (spec: Partial<NonNullable<Job['spec']>>, restartPolicy = 'Never'): Job => ({
  spec: { template: { spec: { restartPolicy, containers: [] } }, ...spec },
});

const finished = (phase: 'Succeeded' | 'Failed', finishedAt: string): Pod => ({
  status: {
    phase,
    containerStatuses: [
      {
        name: 'c',
        image: 'i',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt } },
      },
    ],
  },
});

describe('job counting', () => {
  it('runs min(parallelism, remaining completions) pods', () => {
    expect(wantActivePods(job({ completions: 5, parallelism: 2 }), 0, 0)).toBe(2);
    expect(wantActivePods(job({ completions: 5, parallelism: 2 }), 4, 1)).toBe(1);
    expect(wantActivePods(job({ completions: 5, parallelism: 2 }), 5, 0)).toBe(0);
  });

  it('starts no new pods of a work-queue Job once one succeeded', () => {
    expect(wantActivePods(job({ parallelism: 3 }), 0, 0)).toBe(3);
    expect(wantActivePods(job({ parallelism: 3 }), 1, 2)).toBe(2);
  });

  it('fails after more than backoffLimit failures, or that many restarts under OnFailure', () => {
    expect(exceedsBackoffLimit(job({ backoffLimit: 2 }), 2, [])).toBe(false);
    expect(exceedsBackoffLimit(job({ backoffLimit: 2 }), 3, [])).toBe(true);
    const restarting: Pod = {
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 2 }],
      },
    };
    expect(exceedsBackoffLimit(job({ backoffLimit: 2 }, 'OnFailure'), 0, [restarting])).toBe(true);
    expect(exceedsBackoffLimit(job({ backoffLimit: 3 }, 'OnFailure'), 0, [restarting])).toBe(false);
    expect(exceedsBackoffLimit(job({ backoffLimit: 2 }, 'Never'), 0, [restarting])).toBe(false);
  });

  it('backs off 10 s, 20 s, 40 s ... after consecutive failures, reset by a success', () => {
    expect([0, 1, 2, 3].map(podFailureBackoffMs)).toEqual([0, 10_000, 20_000, 40_000]);
    expect(podFailureBackoffMs(20)).toBe(600_000);
    const t = Date.parse('2024-03-01T10:00:00Z');
    const failedAt = (s: number) => new Date(t + s * 1000).toISOString();
    expect(nextPodStartAt([finished('Failed', failedAt(0)), finished('Failed', failedAt(5))])).toBe(
      t + 5_000 + 20_000,
    );
    expect(nextPodStartAt([finished('Failed', failedAt(0)), finished('Succeeded', failedAt(5))])).toBe(0);
  });
});
