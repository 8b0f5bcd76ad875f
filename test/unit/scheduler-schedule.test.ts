import { describe, expect, it } from 'vitest';
import { NodeInfo } from '../../src/api/node-info.js';
import { podInfoOf } from '../../src/api/pod-info.js';
import { formatExplanation } from '../../src/api/scheduling-explanation.js';
import { explain, sameExplanation } from '../../src/scheduler/explanation.js';
import { fitErrorMessage } from '../../src/scheduler/fit-error.js';
import { feasibleNodesToFind, schedulePod } from '../../src/scheduler/schedule.js';
import { SchedulerCache } from '../../src/scheduler/scheduler-cache.js';
import { node, nodeWith, pod } from './scheduler-fixtures.js';

describe('fitErrorMessage', () => {
  it.each([
    {
      name: 'kube example',
      total: 3,
      reasons: [['node(s) were unschedulable'], ['Insufficient cpu'], ['Insufficient cpu']],
      want: '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.',
    },
    {
      name: 'several reasons from one node each count',
      total: 2,
      reasons: [
        ['Insufficient cpu', 'Insufficient memory'],
        ['Insufficient cpu', 'Insufficient memory'],
      ],
      want: '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory.',
    },
    {
      name: 'sorted as strings, like kube (so "10 ..." sorts before "2 ...")',
      total: 12,
      reasons: [...Array(10).fill(['Insufficient memory']), ['Too many pods'], ['Too many pods']],
      want: '0/12 nodes are available: 10 Insufficient memory, 2 Too many pods.',
    },
    { name: 'no nodes at all', total: 0, reasons: [], want: 'no nodes available to schedule pods' },
  ])('$name', ({ total, reasons, want }) => {
    expect(
      fitErrorMessage(
        total,
        reasons.map((r) => ({ reasons: r })),
      ),
    ).toBe(want);
  });
});

describe('schedulePod', () => {
  it('filters, ranks and chooses; every filtered node says which filter and why', () => {
    const nodes = [
      nodeWith(node('worker-1', { unschedulable: true })),
      nodeWith(node('worker-2'), pod('busy', { cpu: '3' })),
      nodeWith(node('worker-3')),
    ];
    const d = schedulePod(pod('web-1', { cpu: '500m' }), nodes);
    expect(d.nodeName).toBe('worker-3');
    expect(d.ranked.map((r) => r.name)).toEqual(['worker-3', 'worker-2']);
    expect(d.ranked[0]!.scores).toEqual({
      NodeResourcesFit: 92,
      SelectorSpread: 100,
      NodeAffinity: 0,
      TaintToleration: 100,
    });
    expect(d.ranked[0]!.total).toBe(92 * 1 + 100 * 2 + 0 * 2 + 100 * 3);
    expect(d.filtered).toEqual([
      { name: 'worker-1', plugin: 'NodeUnschedulable', reasons: ['node(s) were unschedulable'] },
    ]);
    expect(d.message).toBe('');
  });

  it('an unschedulable pod gets the kube summary', () => {
    const nodes = [
      nodeWith(node('a', { unschedulable: true })),
      nodeWith(node('b', { cpu: '1' })),
      nodeWith(node('c', { cpu: '1' })),
    ];
    const d = schedulePod(pod('big', { cpu: '2' }), nodes);
    expect(d.nodeName).toBeUndefined();
    expect(d.message).toBe('0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.');
    expect(d.evaluated).toBe(3);
  });

  it('the first failing filter is the one reported', () => {
    const d = schedulePod(pod('big', { cpu: '8' }), [nodeWith(node('a', { ready: 'False', cpu: '1' }))]);
    expect(d.filtered[0]).toMatchObject({ plugin: 'NodeReady', reasons: ['node(s) were not ready'] });
  });

  it('MostAllocated packs, LeastAllocated spreads', () => {
    const nodes = () => [nodeWith(node('a'), pod('x', { cpu: '2', memory: '4Gi' })), nodeWith(node('b'))];
    const p = pod('p', { cpu: '1', memory: '1Gi' });
    expect(schedulePod(p, nodes(), { scoring: 'MostAllocated' }).nodeName).toBe('a');
    expect(schedulePod(p, nodes(), { scoring: 'LeastAllocated' }).nodeName).toBe('b');
  });

  it('replicas of one owner spread across equal nodes', () => {
    const cache = new SchedulerCache();
    for (const n of ['a', 'b', 'c']) cache.setNode(node(n));
    const placed: string[] = [];
    let start = 0;
    for (let i = 0; i < 3; i++) {
      const info = podInfoOf(pod(`web-${i}`, { owner: 'rs', cpu: '100m' }));
      const d = schedulePod(info, cache, { startIndex: start });
      start = d.nextStartIndex;
      cache.assume(info, d.nodeName!);
      placed.push(d.nodeName!);
    }
    expect(new Set(placed).size).toBe(3);
  });

  it('samples like percentageOfNodesToScore and rotates the start', () => {
    expect(feasibleNodesToFind(50)).toBe(50);
    expect(feasibleNodesToFind(1000)).toBe(420);
    expect(feasibleNodesToFind(5000)).toBe(500);
    expect(feasibleNodesToFind(1000, 5)).toBe(100);
    expect(feasibleNodesToFind(1000, 100)).toBe(1000);
    const nodes = Array.from({ length: 1000 }, (_, i) => new NodeInfo(node(`n${i}`)));
    const d = schedulePod(pod('p'), nodes, { startIndex: 990 });
    expect(d.evaluated).toBe(420);
    expect(d.ranked).toHaveLength(420);
    expect(d.nextStartIndex).toBe((990 + 420) % 1000);
  });
});

describe('explanation', () => {
  const nodes = [
    nodeWith(node('worker-1', { unschedulable: true })),
    nodeWith(node('worker-2', { cpu: '1' })),
    nodeWith(node('worker-3')),
  ];

  it('carries the verdict, counts, scores and filter reasons, and formats as a table', () => {
    const d = schedulePod(pod('web-1', { cpu: '2' }), nodes);
    const e = explain(d, 'default/web-1', Date.parse('2026-01-02T03:04:05Z'));
    expect(e).toMatchObject({
      at: '2026-01-02T03:04:05Z',
      result: 'Scheduled',
      node: 'worker-3',
      message: 'Successfully assigned default/web-1 to worker-3',
      counts: { nodes: 3, evaluated: 3, feasible: 1, filtered: 2 },
    });
    expect(e.nodes).toEqual([
      { name: 'worker-3', scores: d.ranked[0]!.scores, total: d.ranked[0]!.total },
      { name: 'worker-1', filtered: { plugin: 'NodeUnschedulable', reason: 'node(s) were unschedulable' } },
      { name: 'worker-2', filtered: { plugin: 'NodeResourcesFit', reason: 'Insufficient cpu' } },
    ]);
    const text = formatExplanation(JSON.stringify(e));
    expect(text).toContain('Scheduled on worker-3 at 2026-01-02T03:04:05Z');
    expect(text).toContain('3 node(s): 1 feasible, 2 filtered');
    expect(text).toMatch(/NODE\s+VERDICT\s+TOTAL\s+NodeResourcesFit\(x1\)\s+SelectorSpread\(x2\)/);
    expect(text).toMatch(/worker-3\s+chosen\s+573\s+73\s+100/);
    expect(text).toMatch(/worker-2\s+filtered\s+-.*NodeResourcesFit: Insufficient cpu/);
  });

  it('is capped and says how many nodes are not shown', () => {
    const many = Array.from({ length: 60 }, (_, i) => nodeWith(node(`n${i}`, { cpu: i < 30 ? '1' : '4' })));
    const e = explain(schedulePod(pod('p', { cpu: '2' }), many), 'default/p', 0, {
      feasible: 5,
      filtered: 5,
    });
    expect(e.nodes).toHaveLength(10);
    expect(e.counts).toEqual({ nodes: 60, evaluated: 60, feasible: 30, filtered: 30 });
    expect(formatExplanation(JSON.stringify(e))).toContain('(50 more node(s) not shown)');
  });

  it('an unschedulable explanation compares equal across retries regardless of time', () => {
    const d = schedulePod(pod('big', { cpu: '64' }), nodes);
    const first = explain(d, 'default/big', 1_000);
    const later = explain(d, 'default/big', 99_000);
    expect(later.result).toBe('Unschedulable');
    expect(later.message).toBe('0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.');
    expect(sameExplanation(JSON.stringify(first), later)).toBe(true);
    expect(
      sameExplanation(JSON.stringify(explain(schedulePod(pod('p'), nodes), 'default/p', 0)), later),
    ).toBe(false);
    expect(formatExplanation('not json')).toContain('unreadable');
  });
});

describe('SchedulerCache', () => {
  it('accounts assumed pods, confirms them from the informer, forgets failed bindings', () => {
    const cache = new SchedulerCache();
    cache.setNode(node('a', { cpu: '2' }));
    const p = podInfoOf(pod('p', { cpu: '1500m' }));
    cache.assume(p, 'a');
    expect(cache.nodeInfo('a')!.requested.milliCpu).toBe(1500);
    expect(schedulePod(pod('q', { cpu: '1' }), cache).message).toBe(
      '0/1 nodes are available: 1 Insufficient cpu.',
    );
    cache.forget(p.key);
    expect(cache.nodeInfo('a')!.requested.milliCpu).toBe(0);

    cache.assume(p, 'a');
    cache.updatePod({ ...p.pod, spec: { ...p.pod.spec!, nodeName: 'a' } });
    expect(cache.isAssumed(p.key)).toBe(false);
    cache.forget(p.key); // confirmed: a late binding failure must not drop it
    expect(cache.nodeInfo('a')!.pods.size).toBe(1);
    cache.updatePod({ ...p.pod, spec: { ...p.pod.spec!, nodeName: 'a' }, status: { phase: 'Succeeded' } });
    expect(cache.nodeInfo('a')!.pods.size).toBe(0);
  });

  it('keeps pods of a node it has not seen and adds them when the node arrives', () => {
    const cache = new SchedulerCache();
    cache.updatePod(pod('p', { cpu: '1', nodeName: 'late' }));
    expect(cache.nodes).toHaveLength(0);
    cache.setNode(node('late'));
    expect(cache.nodeInfo('late')!.requested.milliCpu).toBe(1000);
    cache.removePod('default/p');
    expect(cache.nodeInfo('late')!.requested.milliCpu).toBe(0);
  });

  it('tracks nodes running pods with required anti-affinity', () => {
    const cache = new SchedulerCache();
    cache.setNode(node('a'));
    const anti = pod('x', {
      nodeName: 'a',
      labels: { app: 'web' },
      spec: {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
      },
    });
    cache.updatePod(anti);
    expect(cache.nodesWithRequiredAntiAffinity.map((n) => n.name)).toEqual(['a']);
    expect(schedulePod(pod('y', { labels: { app: 'web' } }), cache).nodeName).toBeUndefined();
    cache.removePod('default/x');
    expect(cache.nodesWithRequiredAntiAffinity).toHaveLength(0);
  });
});
