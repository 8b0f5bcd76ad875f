// The StatefulSet controller's identities and status without a server: pods by ordinal, the
// update revision's name, and when the update revision becomes the current one.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { controllerRevisionHashLabel } from '../../src/api/controller-revision.js';
import { FakeClock } from '../../src/client/clock.js';
import {
  podsByOrdinal,
  statefulPodFor,
  statefulSetStatus,
  updateRevisionOf,
} from '../../src/controllers/statefulset-ordering.js';

const sts = (replicas: number, status?: StatefulSet['status'], minReadySeconds?: number): StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', generation: 3 },
  spec: {
    replicas,
    serviceName: 'nginx',
    selector: {},
    template: { spec: { containers: [] } },
    ...(minReadySeconds ? { minReadySeconds } : {}),
  },
  ...(status ? { status } : {}),
});

const ready = '2025-01-01T00:00:00Z';
const pod = (name: string, revision: string, o: { ready?: boolean; deleting?: boolean } = {}): Pod => ({
  metadata: {
    name,
    labels: { [controllerRevisionHashLabel]: revision },
    ...(o.deleting ? { deletionTimestamp: ready } : {}),
  },
  status: {
    phase: 'Running',
    conditions: o.ready === false ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: ready }],
  },
});

describe('statefulset identities', () => {
  it('keys pods by ordinal and ignores other names', () => {
    const byOrdinal = podsByOrdinal(sts(2), [pod('web-1', 'r'), pod('web-x', 'r'), pod('web-0', 'r')]);
    expect([...byOrdinal.keys()].sort()).toEqual([0, 1]);
  });

  it('names the update revision after the set and its template hash, stable for one template', () => {
    expect(updateRevisionOf(sts(1))).toMatch(/^web-[0-9a-z]+$/);
    expect(updateRevisionOf(sts(1))).toBe(updateRevisionOf(sts(3)));
  });

  it('gives each ordinal its name, hostname, subdomain and identity labels', () => {
    const p = statefulPodFor(sts(3), 2, 'web-abc');
    expect(p.metadata?.name).toBe('web-2');
    expect(p.spec).toMatchObject({ hostname: 'web-2', subdomain: 'nginx' });
    expect(p.metadata?.labels).toMatchObject({
      [controllerRevisionHashLabel]: 'web-abc',
      'statefulset.kubernetes.io/pod-name': 'web-2',
      'apps.kubernetes.io/pod-index': '2',
    });
  });
});

describe('statefulset status', () => {
  it('counts live pods by revision while a rollout is under way', () => {
    const set = sts(3, { replicas: 3, currentRevision: 'web-old' });
    const pods = podsByOrdinal(set, [
      pod('web-0', 'web-old'),
      pod('web-1', 'web-old'),
      pod('web-2', 'web-new', { ready: false }),
    ]);
    expect(statefulSetStatus(set, pods, 'web-new', Date.parse(ready))).toMatchObject({
      observedGeneration: 3,
      replicas: 3,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 1,
      currentRevision: 'web-old',
      updateRevision: 'web-new',
    });
  });

  it('makes the update revision current once every pod is updated and ready; terminating pods do not count', () => {
    const set = sts(2, { replicas: 2, currentRevision: 'web-old' });
    const done = podsByOrdinal(set, [pod('web-0', 'web-new'), pod('web-1', 'web-new')]);
    expect(statefulSetStatus(set, done, 'web-new', Date.parse(ready))).toMatchObject({
      currentRevision: 'web-new',
      currentReplicas: 2,
    });
    const going = podsByOrdinal(set, [pod('web-0', 'web-new'), pod('web-1', 'web-new', { deleting: true })]);
    expect(statefulSetStatus(set, going, 'web-new', Date.parse(ready))).toMatchObject({
      replicas: 1,
      currentRevision: 'web-old',
    });
  });

  it('counts a pod available minReadySeconds after it became ready', () => {
    const clock = new FakeClock(Date.parse(ready) + 9_000);
    const set = sts(1, undefined, 10);
    const pods = podsByOrdinal(set, [pod('web-0', 'web-new')]);
    expect(statefulSetStatus(set, pods, 'web-new', clock.now()).availableReplicas).toBe(0);
    clock.step(1_000);
    expect(statefulSetStatus(set, pods, 'web-new', clock.now()).availableReplicas).toBe(1);
  });
});
