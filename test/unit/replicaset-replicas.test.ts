// The ReplicaSet controller's decisions without a server: create or delete, the status with
// kube's ReplicaFailure condition, and when the next ready pod becomes available.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';
import {
  decideReplicas,
  msUntilNextAvailable,
  replicaSetStatusUpdate,
} from '../../src/controllers/replicaset-replicas.js';

const start = Date.parse('2025-01-01T00:00:00Z');

const rs = (
  replicas: number,
  o: { minReadySeconds?: number; status?: ReplicaSet['status'] } = {},
): ReplicaSet => ({
  metadata: { name: 'web-1', namespace: 'default', generation: 4 },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web', tier: 'front' } } },
    ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
  },
  ...(o.status ? { status: o.status } : {}),
});

const pod = (
  name: string,
  o: { readySince?: string; labels?: Record<string, string>; node?: string } = {},
): Pod => ({
  metadata: {
    name,
    labels: o.labels ?? { app: 'web', tier: 'front' },
    creationTimestamp: '2025-01-01T00:00:00Z',
  },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
  status: {
    phase: 'Running',
    conditions: o.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince }] : [],
  },
});

describe('replicaset replicas', () => {
  it('creates the missing pods and deletes the least valuable extra ones', () => {
    expect(decideReplicas(rs(3), [pod('a')])).toEqual({ type: 'create', count: 2 });
    expect(decideReplicas(rs(1), [pod('a')])).toBeUndefined();
    const change = decideReplicas(rs(1), [
      pod('ready', { node: 'n', readySince: '2025-01-01T00:00:00Z' }),
      pod('new'),
    ]);
    expect(change?.type === 'delete' && change.pods.map((p) => p.metadata?.name)).toEqual(['new']);
  });

  it('creates at most a burst of 500 at once', () => {
    expect(decideReplicas(rs(2000), [])).toEqual({ type: 'create', count: 500 });
  });
});

describe('replicaset status', () => {
  it('counts active pods, fully labelled, ready and available ones', () => {
    const active = [pod('a', { readySince: '2025-01-01T00:00:00Z' }), pod('b', { labels: { app: 'web' } })];
    expect(replicaSetStatusUpdate(rs(2), active, start, undefined)).toEqual({
      replicas: 2,
      fullyLabeledReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      observedGeneration: 4,
    });
  });

  it('writes nothing when the status already says it', () => {
    const status = {
      replicas: 0,
      fullyLabeledReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: 4,
    };
    expect(replicaSetStatusUpdate(rs(0, { status }), [], start, undefined)).toBeUndefined();
  });

  it('sets ReplicaFailure once with its first message, and clears it after a good sync', () => {
    const failed = replicaSetStatusUpdate(rs(1), [], start, {
      reason: 'FailedCreate',
      error: new Error('quota'),
    });
    expect(failed?.conditions).toEqual([
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: 'quota',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ]);
    const again = replicaSetStatusUpdate(rs(1, { status: failed }), [], start + 5_000, {
      reason: 'FailedCreate',
      error: new Error('other'),
    });
    expect(again).toBeUndefined();
    expect(
      replicaSetStatusUpdate(rs(1, { status: failed }), [], start, undefined)?.conditions,
    ).toBeUndefined();
  });

  it('says when the next ready pod becomes available under minReadySeconds', () => {
    const clock = new FakeClock(start + 4_000);
    const active = [pod('a', { readySince: '2025-01-01T00:00:00Z' }), pod('b')];
    expect(msUntilNextAvailable(rs(2, { minReadySeconds: 10 }), active, clock.now())).toBe(6_000);
    clock.step(6_000);
    expect(msUntilNextAvailable(rs(2, { minReadySeconds: 10 }), active, clock.now())).toBeUndefined();
    expect(msUntilNextAvailable(rs(2), active, clock.now())).toBeUndefined();
  });
});
