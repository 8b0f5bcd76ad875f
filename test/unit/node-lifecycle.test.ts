// The pure decisions behind failover: when a node counts as silent, which taints it gets,
// when a pod on a tainted node must go, and the default tolerations every pod receives.
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { toleratesTaint } from '../../src/api/tolerations.js';
import { admitPodCreate } from '../../src/apiserver/admission.js';
import type { ApiObject } from '../../src/apiserver/object-meta.js';
import { parseTaintArgs } from '../../src/cli/commands/node-admin.js';
import { lastHeartbeat, reconcileTaints, wantedTaintKeys } from '../../src/controllers/node-health.js';
import { nextFreePodCIDR } from '../../src/controllers/pod-cidrs.js';
import { evictionTime } from '../../src/controllers/taint-eviction.js';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('lastHeartbeat', () => {
  it('takes the latest of lease renewal, Ready heartbeat and creation', () => {
    const node: Node = {
      metadata: { name: 'n', creationTimestamp: iso(t0) },
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: iso(t0 + 5000) }] },
    };
    expect(lastHeartbeat(node, undefined)).toBe(t0 + 5000);
    expect(lastHeartbeat(node, { spec: { renewTime: new Date(t0 + 9000).toISOString() } })).toBe(t0 + 9000);
    expect(lastHeartbeat({ metadata: { creationTimestamp: iso(t0) } }, undefined)).toBe(t0);
  });
});

describe('lifecycle taints', () => {
  it.each([
    ['True', []],
    ['False', ['node.kubernetes.io/not-ready']],
    ['Unknown', ['node.kubernetes.io/unreachable']],
  ])('Ready=%s wants %j', (status, keys) => {
    expect(wantedTaintKeys({ type: 'Ready', status })).toEqual(keys);
  });

  it('adds NoSchedule and NoExecute, keeps other taints and the original timeAdded', () => {
    const user: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    const added = reconcileTaints([user], ['node.kubernetes.io/unreachable'], t0);
    expect(added).toEqual([
      user,
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: iso(t0) },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(t0) },
    ]);
    expect(reconcileTaints(added, ['node.kubernetes.io/unreachable'], t0 + 60_000)).toEqual(added);
    expect(reconcileTaints(added, [], t0)).toEqual([user]);
  });
});

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  it.each([
    [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, true],
    [{ key: 'k', value: 'v' }, true],
    [{ key: 'k', value: 'other' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'x', operator: 'Exists' }, false],
  ] as const)('%j -> %s', (toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('evictionTime', () => {
  const unreachable: Taint = {
    key: 'node.kubernetes.io/unreachable',
    effect: 'NoExecute',
    timeAdded: iso(t0),
  };
  const pod = (tolerations: Toleration[]): Pod => ({ spec: { containers: [], tolerations } });
  it('evicts at once without a toleration', () => {
    expect(evictionTime(pod([]), [unreachable], t0 + 10)).toBe(t0 + 10);
  });
  it('evicts after tolerationSeconds counted from timeAdded', () => {
    const p = pod([
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 2,
      },
    ]);
    expect(evictionTime(p, [unreachable], t0 + 10)).toBe(t0 + 2000);
  });
  it('never evicts a pod that tolerates forever, and ignores NoSchedule taints', () => {
    const forever = pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }]);
    expect(evictionTime(forever, [unreachable], t0)).toBeUndefined();
    expect(evictionTime(pod([]), [{ key: 'x', effect: 'NoSchedule' }], t0)).toBeUndefined();
  });
});

describe('DefaultTolerationSeconds admission', () => {
  it('adds the profile’s not-ready and unreachable tolerations unless the pod has its own', () => {
    const p: ApiObject = { metadata: {}, spec: { containers: [] } };
    admitPodCreate(p, profiles.lab);
    expect((p.spec as Pod['spec'])!.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 2,
      },
    ]);
    const own: ApiObject = {
      metadata: {},
      spec: {
        tolerations: [
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 60,
          },
        ],
      },
    };
    admitPodCreate(own, profiles.k8s);
    const tolerations = (own.spec as Pod['spec'])!.tolerations!;
    expect(tolerations).toHaveLength(2);
    expect(tolerations[0]!.tolerationSeconds).toBe(60);
    expect(tolerations[1]).toMatchObject({ key: 'node.kubernetes.io/not-ready', tolerationSeconds: 300 });
  });
});

describe('kubelab taint arguments', () => {
  it('parses additions and removals like kubectl', () => {
    expect(parseTaintArgs(['gpu=true:NoSchedule', 'spot:PreferNoSchedule', 'old-', 'x:NoExecute-'])).toEqual({
      add: [
        { key: 'gpu', value: 'true', effect: 'NoSchedule' },
        { key: 'spot', effect: 'PreferNoSchedule' },
      ],
      remove: [
        { key: 'old', effect: undefined },
        { key: 'x', effect: 'NoExecute' },
      ],
    });
    expect(() => parseTaintArgs(['gpu=true:Sometimes'])).toThrow(/invalid taint effect/);
    expect(() => parseTaintArgs(['nocolon'])).toThrow(/invalid taint spec/);
  });
});

describe('node IPAM', () => {
  it('hands out the lowest free /24 of 10.244.0.0/16', () => {
    const n = (cidr?: string): Node => ({ metadata: { name: 'x' }, spec: cidr ? { podCIDR: cidr } : {} });
    expect(nextFreePodCIDR([])).toBe('10.244.0.0/24');
    expect(nextFreePodCIDR([n('10.244.0.0/24'), n('10.244.2.0/24'), n()])).toBe('10.244.1.0/24');
    // Ranges just given that the nodes in the cache do not show yet count as taken.
    expect(nextFreePodCIDR([n('10.244.0.0/24'), n()], ['10.244.1.0/24'])).toBe('10.244.2.0/24');
    const full = Array.from({ length: 256 }, (_, i) => n(`10.244.${i}.0/24`));
    expect(nextFreePodCIDR(full)).toBeUndefined();
  });
});
