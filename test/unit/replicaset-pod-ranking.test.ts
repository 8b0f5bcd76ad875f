import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { isPodActive, isPodAvailable } from '../../src/api/pod-state.js';
import { FakeClock } from '../../src/client/clock.js';
import { ControllerExpectations, slowStartBatch } from '../../src/controllers/pod-control.js';
import { podsToDelete } from '../../src/controllers/replicaset-replicas.js';

function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    readySince?: string;
    restarts?: number;
    created?: string;
    cost?: string;
  } = {},
): Pod {
  return {
    metadata: {
      name,
      creationTimestamp: o.created ?? '2024-01-01T00:00:00Z',
      ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
    },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince }] : [],
      containerStatuses: [
        { name: 'c', image: 'x', imageID: '', ready: !!o.readySince, restartCount: o.restarts ?? 0 },
      ],
    },
  };
}

describe('ranking pods for deletion (kube ActivePods)', () => {
  it('deletes the least valuable first', () => {
    const pods = [
      pod('ready-long', { node: 'a', readySince: '2024-01-01T00:00:00Z' }),
      pod('ready-short', { node: 'a', readySince: '2024-01-01T01:00:00Z' }),
      pod('running-not-ready', { node: 'a' }),
      pod('unknown', { node: 'a', phase: 'Unknown' }),
      pod('pending', { node: 'a', phase: 'Pending' }),
      pod('unassigned', { phase: 'Pending' }),
      pod('restarts', { node: 'a', readySince: '2024-01-01T00:00:00Z', restarts: 4 }),
      pod('newer', { node: 'a', readySince: '2024-01-01T00:00:00Z', created: '2024-01-02T00:00:00Z' }),
      pod('cheap', { node: 'a', readySince: '2023-12-01T00:00:00Z', cost: '-10' }),
    ];
    expect(podsToDelete(pods, pods.length).map((p) => p.metadata?.name)).toEqual([
      'unassigned',
      'pending',
      'unknown',
      'running-not-ready',
      'cheap',
      'ready-short',
      'restarts',
      'newer',
      'ready-long',
    ]);
    expect(podsToDelete(pods, 2).map((p) => p.metadata?.name)).toEqual(['unassigned', 'pending']);
  });

  it('counts terminating and finished pods as not active, and availability waits minReadySeconds', () => {
    const running = pod('t', { node: 'a' });
    const terminating: Pod = {
      ...running,
      metadata: { ...running.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' },
    };
    expect(isPodActive(terminating)).toBe(false);
    expect(isPodActive(pod('done', { phase: 'Succeeded' }))).toBe(false);
    expect(isPodActive(pod('ok', { node: 'a' }))).toBe(true);
    const ready = pod('r', { node: 'a', readySince: '2024-01-01T00:00:00Z' });
    const at = Date.parse('2024-01-01T00:00:00Z');
    expect(isPodAvailable(ready, 5, at + 4_000)).toBe(false);
    expect(isPodAvailable(ready, 5, at + 5_000)).toBe(true);
  });
});

describe('slowStartBatch and expectations', () => {
  it('creates in doubling batches and stops at the first failing batch', async () => {
    let calls = 0;
    const ok = await slowStartBatch(10, 1, async () => {
      calls++;
    });
    expect(ok).toEqual({ successes: 10 });
    calls = 0;
    const failing = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls > 2) throw new Error('quota');
    });
    // Batches of 1 and 2 succeed except the third call; the batch of 4 is never started.
    expect(calls).toBe(3);
    expect(failing.successes).toBe(2);
    expect((failing.error as Error).message).toBe('quota');
  });

  it('is unsatisfied until every expected add and delete is observed, or the TTL passes', () => {
    const clock = new FakeClock(0);
    const e = new ControllerExpectations(clock, 1000);
    e.expectCreations('ns/rs', 2);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', ['ns/a']);
    expect(e.satisfied('ns/rs')).toBe(false);
    clock.step(1001);
    expect(e.satisfied('ns/rs')).toBe(true);
  });
});
