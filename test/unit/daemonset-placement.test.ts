// The DaemonSet controller's plan without a server: which nodes get a pod, which pods go,
// the rolling update within maxUnavailable or maxSurge, and the status counts.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { controllerRevisionHashLabel } from '../../src/api/controller-revision.js';
import { FakeClock } from '../../src/client/clock.js';
import { daemonSetStatusUpdate, planDaemonPods } from '../../src/controllers/daemonset-placement.js';

const now = Date.parse('2025-01-01T00:01:00Z');

const ds = (
  strategy?: NonNullable<DaemonSet['spec']>['updateStrategy'],
  minReadySeconds?: number,
): DaemonSet => ({
  metadata: { name: 'agent', namespace: 'kube-system', uid: 'u1', generation: 2 },
  spec: {
    selector: {},
    template: { spec: { containers: [] } },
    ...(strategy ? { updateStrategy: strategy } : {}),
    ...(minReadySeconds ? { minReadySeconds } : {}),
  },
});

const node = (name: string, taints: Taint[] = []): Node => ({ metadata: { name }, spec: { taints } });

const pod = (
  name: string,
  nodeName: string,
  hash: string,
  o: { phase?: string; readySince?: string; deleting?: boolean } = {},
): Pod => ({
  metadata: {
    name,
    labels: { [controllerRevisionHashLabel]: hash },
    ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
  },
  spec: { nodeName, containers: [] },
  status: {
    phase: o.phase ?? 'Running',
    conditions: o.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince }] : [],
  },
});

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);
const ready = '2025-01-01T00:00:00Z';

describe('daemonset plan', () => {
  it('puts a pod on each eligible node without one and counts what runs', () => {
    const nodes = [node('a'), node('b'), node('gpu', [{ key: 'gpu', effect: 'NoSchedule' }])];
    const plan = planDaemonPods(ds(), nodes, [pod('p-a', 'a', 'h1', { readySince: ready })], 'h1', now);
    expect(plan.toCreate).toEqual(['b']);
    expect(plan.toDelete).toEqual([]);
    expect(plan.counts).toEqual({
      desired: 2,
      current: 1,
      misscheduled: 0,
      ready: 1,
      available: 1,
      updated: 1,
    });
  });

  it('deletes failed pods, pods of nodes that left, and pods an untolerated NoExecute taint evicts', () => {
    const nodes = [node('a'), node('tainted', [{ key: 'gpu', effect: 'NoExecute' }])];
    const owned = [
      pod('failed', 'a', 'h1', { phase: 'Failed' }),
      pod('evicted', 'tainted', 'h1'),
      pod('orphaned', 'gone', 'h1'),
      pod('terminating', 'a', 'h1', { deleting: true }),
    ];
    const plan = planDaemonPods(ds(), nodes, owned, 'h1', now);
    expect(names(plan.toDelete)).toEqual(['failed', 'evicted', 'orphaned']);
    expect(plan.toCreate).toEqual(['a']);
    expect(plan.counts.misscheduled).toBe(1);
  });

  it('replaces old pods one node at a time (maxUnavailable 1), unavailable ones first', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const owned = [
      pod('old-a', 'a', 'h1', { readySince: ready }),
      pod('old-b', 'b', 'h1', { readySince: ready }),
      pod('old-c', 'c', 'h1'),
    ];
    expect(names(planDaemonPods(ds(), nodes, owned, 'h2', now).toDelete)).toEqual(['old-c']);
    const allAvailable = owned.map((p) => ({
      ...p,
      status: pod('x', 'a', 'h1', { readySince: ready }).status,
    }));
    expect(names(planDaemonPods(ds(), nodes, allAvailable, 'h2', now).toDelete)).toEqual(['old-a']);
    expect(planDaemonPods(ds({ type: 'OnDelete' }), nodes, allAvailable, 'h2', now).toDelete).toEqual([]);
  });

  it('with maxSurge starts the new pod beside the old one and deletes the old once the new is available', () => {
    const surge = ds({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } });
    const old = pod('old-a', 'a', 'h1', { readySince: ready });
    expect(planDaemonPods(surge, [node('a')], [old], 'h2', now)).toMatchObject({
      toCreate: ['a'],
      toDelete: [],
    });
    const fresh = pod('new-a', 'a', 'h2', { readySince: ready });
    expect(names(planDaemonPods(surge, [node('a')], [old, fresh], 'h2', now).toDelete)).toEqual(['old-a']);
  });

  it('counts a pod available only minReadySeconds after it became ready', () => {
    const clock = new FakeClock(Date.parse(ready) + 5_000);
    const owned = [pod('p-a', 'a', 'h1', { readySince: ready })];
    expect(planDaemonPods(ds(undefined, 10), [node('a')], owned, 'h1', clock.now()).counts.available).toBe(0);
    clock.step(5_000);
    expect(planDaemonPods(ds(undefined, 10), [node('a')], owned, 'h1', clock.now()).counts.available).toBe(1);
  });
});

describe('daemonset status', () => {
  it('writes the counts once, leaving numberUnavailable out at zero', () => {
    const counts = { desired: 2, current: 2, misscheduled: 0, ready: 2, available: 2, updated: 2 };
    const status = daemonSetStatusUpdate(ds(), counts);
    expect(status).toEqual({
      currentNumberScheduled: 2,
      desiredNumberScheduled: 2,
      numberMisscheduled: 0,
      numberReady: 2,
      numberAvailable: 2,
      updatedNumberScheduled: 2,
      observedGeneration: 2,
    });
    expect(daemonSetStatusUpdate({ ...ds(), status }, counts)).toBeUndefined();
    expect(daemonSetStatusUpdate({ ...ds(), status }, { ...counts, available: 1 })?.numberUnavailable).toBe(
      1,
    );
  });
});
