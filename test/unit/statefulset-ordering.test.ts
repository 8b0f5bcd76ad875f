// The StatefulSet control loop's decisions: ordered creation, top-down scale-down, waiting on
// terminating pods, Parallel, and rolling updates down to the partition.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  ordinalOf,
  type StatefulSetAction,
  statefulSetActions,
} from '../../src/controllers/statefulset-ordering.js';

const sts = (replicas: number, extra: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet => ({
  metadata: { name: 'web' },
  spec: { replicas, serviceName: 'web', selector: {}, template: {}, ...extra },
});

function pod(
  ordinal: number,
  state: 'ready' | 'pending' | 'terminating' | 'failed',
  revision = 'r1',
): [number, Pod] {
  return [
    ordinal,
    {
      metadata: {
        name: `web-${ordinal}`,
        labels: { 'controller-revision-hash': revision },
        ...(state === 'terminating' ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
      },
      status: {
        phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
        conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False' }],
      },
    },
  ];
}

const describeActions = (actions: StatefulSetAction[]) =>
  actions.map((a) =>
    a.type === 'create' ? `create ${a.ordinal}` : `delete ${a.pod.metadata?.name} (${a.reason})`,
  );

describe('statefulset ordering', () => {
  it('parses ordinals of its own pods only', () => {
    expect(ordinalOf('web', 'web-12')).toBe(12);
    expect(ordinalOf('web', 'web-01')).toBeUndefined();
    expect(ordinalOf('web', 'webx-1')).toBeUndefined();
  });

  it('OrderedReady creates the next ordinal only after the previous is Running and Ready', () => {
    expect(describeActions(statefulSetActions(sts(3), new Map(), 'r1'))).toEqual(['create 0']);
    expect(describeActions(statefulSetActions(sts(3), new Map([pod(0, 'pending')]), 'r1'))).toEqual([]);
    expect(describeActions(statefulSetActions(sts(3), new Map([pod(0, 'ready')]), 'r1'))).toEqual([
      'create 1',
    ]);
  });

  it('never replaces a terminating pod, and waits for it under OrderedReady', () => {
    expect(describeActions(statefulSetActions(sts(2), new Map([pod(0, 'terminating')]), 'r1'))).toEqual([]);
    expect(
      describeActions(
        statefulSetActions(
          sts(2, { podManagementPolicy: 'Parallel' }),
          new Map([pod(0, 'terminating')]),
          'r1',
        ),
      ),
    ).toEqual(['create 1']);
  });

  it('replaces a failed pod by deleting it first', () => {
    expect(describeActions(statefulSetActions(sts(1), new Map([pod(0, 'failed')]), 'r1'))).toEqual([
      'delete web-0 (failed)',
    ]);
  });

  it('scales down from the highest ordinal, one at a time', () => {
    const pods = new Map([pod(0, 'ready'), pod(1, 'ready'), pod(2, 'ready')]);
    expect(describeActions(statefulSetActions(sts(1), pods, 'r1'))).toEqual(['delete web-2 (scale-down)']);
    pods.set(...pod(2, 'terminating'));
    expect(describeActions(statefulSetActions(sts(1), pods, 'r1'))).toEqual([]);
    expect(
      describeActions(statefulSetActions(sts(1, { podManagementPolicy: 'Parallel' }), pods, 'r1')),
    ).toEqual(['delete web-1 (scale-down)']);
  });

  it('updates from the highest ordinal down to the partition, one healthy step at a time', () => {
    const spec = { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } };
    const pods = new Map([pod(0, 'ready'), pod(1, 'ready'), pod(2, 'ready')]);
    expect(describeActions(statefulSetActions(sts(3, spec), pods, 'r2'))).toEqual(['delete web-2 (update)']);
    pods.set(...pod(2, 'pending', 'r2'));
    expect(describeActions(statefulSetActions(sts(3, spec), pods, 'r2'))).toEqual([]);
    pods.set(...pod(2, 'ready', 'r2'));
    expect(describeActions(statefulSetActions(sts(3, spec), pods, 'r2'))).toEqual(['delete web-1 (update)']);
    pods.set(...pod(1, 'ready', 'r2'));
    expect(describeActions(statefulSetActions(sts(3, spec), pods, 'r2'))).toEqual([]);
  });
});
