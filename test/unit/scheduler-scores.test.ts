import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../src/api/node-info.js';
import { podInfoOf } from '../../src/api/pod-info.js';
import { defaultNormalizeScore, type ScorePlugin } from '../../src/scheduler/framework.js';
import { nodeAffinityScore } from '../../src/scheduler/plugins/node-affinity.js';
import {
  leastAllocated,
  mostAllocated,
  nodeResourcesFitScore,
} from '../../src/scheduler/plugins/node-resources.js';
import { selectorSpread } from '../../src/scheduler/plugins/selector-spread.js';
import { taintTolerationScore } from '../../src/scheduler/plugins/taint-toleration.js';
import { node, nodeWith, pod } from './scheduler-fixtures.js';

/** The plugin's normalised scores for each node, as schedulePod would see them. */
function scores(plugin: ScorePlugin, p: Pod, nodes: NodeInfo[]): number[] {
  const scorer = plugin.prepare(podInfoOf(p), nodes);
  const raw = nodes.map((n) => scorer.score(n));
  scorer.normalize?.(raw);
  return raw;
}

interface Case {
  name: string;
  pod: Pod;
  nodes: NodeInfo[];
  want: number[];
}

function table(label: string, plugin: ScorePlugin, cases: Case[]) {
  describe(label, () => {
    it.each(cases)('$name', (c) => {
      expect(scores(plugin, c.pod, c.nodes)).toEqual(c.want);
    });
  });
}

describe('resource score formulas (kube integer arithmetic)', () => {
  it.each([
    [0, 4000, 100, 0],
    [1000, 4000, 75, 25],
    [3999, 4000, 0, 99],
    [4000, 4000, 0, 100],
    [5000, 4000, 0, 100],
    [10, 0, 0, 0],
  ])('requested %i of %i: least %i, most %i', (requested, capacity, least, most) => {
    expect(leastAllocated(requested, capacity)).toBe(least);
    expect(mostAllocated(requested, capacity)).toBe(most);
  });
});

describe('defaultNormalizeScore', () => {
  it.each([
    { raw: [0, 5, 10], reverse: false, want: [0, 50, 100] },
    { raw: [0, 5, 10], reverse: true, want: [100, 50, 0] },
    { raw: [0, 0], reverse: false, want: [0, 0] },
    { raw: [0, 0], reverse: true, want: [100, 100] },
    { raw: [1, 3], reverse: false, want: [33, 100] },
  ])('$raw reverse=$reverse -> $want', ({ raw, reverse, want }) => {
    const s = [...raw];
    defaultNormalizeScore(s, reverse);
    expect(s).toEqual(want);
  });
});

const empty = () => nodeWith(node('empty'));
const half = () => nodeWith(node('half'), pod('q', { cpu: '2', memory: '4Gi' }));
table('NodeResourcesFit LeastAllocated', nodeResourcesFitScore('LeastAllocated'), [
  {
    name: 'emptier node scores higher',
    pod: pod('p', { cpu: '1', memory: '2Gi' }),
    nodes: [empty(), half()],
    want: [75, 25],
  },
  {
    name: 'a pod without requests counts as 100m and 200Mi',
    pod: pod('p'),
    nodes: [empty()],
    want: [97],
  },
  {
    name: 'cpu and memory count equally',
    pod: pod('p', { cpu: '2', memory: '0' }),
    nodes: [empty()],
    // cpu (4000-2000)/4000 = 50; memory 0 requested = 100; mean 75
    want: [75],
  },
]);

table('NodeResourcesFit MostAllocated', nodeResourcesFitScore('MostAllocated'), [
  {
    name: 'fuller node scores higher',
    pod: pod('p', { cpu: '1', memory: '2Gi' }),
    nodes: [empty(), half()],
    want: [25, 75],
  },
]);

table('SelectorSpread', selectorSpread, [
  {
    name: 'fewer replicas of the same owner scores higher',
    pod: pod('p', { owner: 'rs1' }),
    nodes: [
      nodeWith(node('a'), pod('a1', { owner: 'rs1' }), pod('a2', { owner: 'rs1' })),
      nodeWith(node('b'), pod('b1', { owner: 'rs1' })),
      nodeWith(node('c'), pod('c1', { owner: 'rs2' })),
    ],
    want: [0, 50, 100],
  },
  {
    name: 'pods without an owner spread by their exact label set',
    pod: pod('p', { labels: { app: 'web', tier: 'front' } }),
    nodes: [
      nodeWith(node('a'), pod('a1', { labels: { tier: 'front', app: 'web' } })),
      nodeWith(node('b'), pod('b1', { labels: { app: 'web' } })),
      nodeWith(node('c'), pod('c1', { labels: { app: 'db' } })),
    ],
    want: [0, 100, 100],
  },
  {
    name: 'same labels in another namespace do not count',
    pod: pod('p', { labels: { app: 'web' } }),
    nodes: [
      nodeWith(node('a'), pod('a1', { namespace: 'other', labels: { app: 'web' } })),
      nodeWith(node('b')),
    ],
    want: [100, 100],
  },
  {
    name: 'no owner and no labels: all equal',
    pod: pod('p'),
    nodes: [nodeWith(node('a'), pod('a1'))],
    want: [100],
  },
]);

table('NodeAffinity (preferred)', nodeAffinityScore, [
  {
    name: 'weights of matching terms add up, normalised to the best',
    pod: pod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 80,
                preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
              },
              {
                weight: 20,
                preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
              },
            ],
          },
        },
      },
    }),
    nodes: [
      nodeWith(node('ssd-a', { labels: { disk: 'ssd', zone: 'a' } })),
      nodeWith(node('ssd', { labels: { disk: 'ssd' } })),
      nodeWith(node('a', { labels: { zone: 'a' } })),
      nodeWith(node('none')),
    ],
    want: [100, 80, 20, 0],
  },
  { name: 'no preferences: all zero', pod: pod('p'), nodes: [nodeWith(node('a'))], want: [0] },
]);

const spot = { key: 'spot', value: 'yes', effect: 'PreferNoSchedule' };
const old = { key: 'old', value: 'yes', effect: 'PreferNoSchedule' };
table('TaintToleration (PreferNoSchedule)', taintTolerationScore, [
  {
    name: 'more untolerated PreferNoSchedule taints, lower score',
    pod: pod('p'),
    nodes: [
      nodeWith(node('clean')),
      nodeWith(node('spot', { taints: [spot] })),
      nodeWith(node('both', { taints: [spot, old] })),
    ],
    want: [100, 50, 0],
  },
  {
    name: 'tolerated taints do not count',
    pod: pod('p', {
      spec: { tolerations: [{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }] },
    }),
    nodes: [nodeWith(node('clean')), nodeWith(node('spot', { taints: [spot] }))],
    want: [100, 100],
  },
  {
    name: 'NoSchedule taints are not scored',
    pod: pod('p'),
    nodes: [nodeWith(node('x', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }))],
    want: [100],
  },
]);
