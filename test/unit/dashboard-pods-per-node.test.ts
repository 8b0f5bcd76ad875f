// Pods per node for the dashboard's bar chart, and the bars fitted to the chart's width.
import { describe, expect, it } from 'vitest';
import { fitBars, podsPerNode, withoutCommonPrefix } from '../../src/dashboard/pods-per-node.js';
import { node, pod } from '../helpers/tui-fixtures.js';

describe('podsPerNode', () => {
  it('counts non-terminated pods per node, every node included, and unbound pods as pending', () => {
    const counts = podsPerNode(
      [node('lab-worker2'), node('lab-worker'), node('idle')],
      [
        pod('a', 'lab-worker'),
        pod('b', 'lab-worker'),
        pod('c', 'lab-worker2'),
        pod('done', 'lab-worker2', { phase: 'Succeeded' }),
        pod('crashed', 'lab-worker', { phase: 'Failed' }),
        pod('waiting', undefined, { phase: 'Pending' }),
        pod('also-waiting', undefined, { phase: 'Pending' }),
        // Bound to a node that is gone from the list: its pods still count, under its name.
        pod('orphan', 'gone'),
      ],
    );
    expect(counts).toEqual({
      nodes: [
        { node: 'gone', pods: 1 },
        { node: 'idle', pods: 0 },
        { node: 'lab-worker', pods: 2 },
        { node: 'lab-worker2', pods: 1 },
      ],
      pending: 2,
    });
  });
});

describe('withoutCommonPrefix', () => {
  it('drops the shared prefix up to its last dash, and only when every name keeps something', () => {
    expect(withoutCommonPrefix(['kubelab-worker', 'kubelab-worker2'])).toEqual(['worker', 'worker2']);
    expect(withoutCommonPrefix(['lab-control-plane', 'lab-worker'])).toEqual(['control-plane', 'worker']);
    expect(withoutCommonPrefix(['a-x', 'b-x'])).toEqual(['a-x', 'b-x']);
    expect(withoutCommonPrefix(['lab-', 'lab-worker'])).toEqual(['lab-', 'lab-worker']);
    expect(withoutCommonPrefix(['only-one'])).toEqual(['only-one']);
  });
});

describe('fitBars', () => {
  const twoWorkers = {
    nodes: [
      { node: 'kubelab-worker', pods: 3 },
      { node: 'kubelab-worker2', pods: 12 },
    ],
    pending: 1,
  };
  const fourNodes = {
    nodes: ['n-alpha', 'n-bravo', 'n-charlie', 'n-delta'].map((n, i) => ({
      node: n,
      pods: [5, 9, 1, 7][i]!,
    })),
    pending: 0,
  };

  // Bars start at column 1, a title's width plus 2 apart (one blank column before the next).
  it.each([
    ['full names when they fit', twoWorkers, 52, ['kubelab-worker', 'kubelab-worker2', 'Pending'], 17, 0],
    ['names without their common prefix when not', twoWorkers, 40, ['worker', 'worker2', 'Pending'], 9, 0],
    ['names cut in the middle when still too long', twoWorkers, 22, ['wo…er', 'wo…r2', 'Pend…'], 7, 0],
    // Room for three bars of 7 columns: the two busiest nodes (in name order), then Pending.
    [
      'the busiest nodes and Pending when nothing else fits',
      fourNodes,
      22,
      ['bravo', 'delta', 'Pend…'],
      7,
      2,
    ],
  ])('shows %s', (_case, counts, width, titles, barSpacing, hidden) => {
    const layout = fitBars(counts, width);
    expect(layout).toMatchObject({ titles, barSpacing, hidden, barWidth: Math.min(6, barSpacing - 3) });
    const shown = new Map(counts.nodes.map((n) => [n.node, n.pods]));
    expect(layout.values.at(-1)).toBe(counts.pending);
    expect(layout.values.slice(0, -1).every((v) => [...shown.values()].includes(v))).toBe(true);
    expect(1 + titles.length * barSpacing).toBeLessThanOrEqual(width);
  });

  it('keeps each node with its own count when some are left out', () => {
    expect(fitBars(fourNodes, 22).values).toEqual([9, 7, 0]);
    expect(fitBars(twoWorkers, 52).values).toEqual([3, 12, 1]);
  });
});
