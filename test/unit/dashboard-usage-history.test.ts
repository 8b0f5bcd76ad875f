// The dashboard's usage charts from metrics samples: the fixed window, one line per node in a
// colour it keeps, values in millicores and MiB, gaps held, a round y axis, and the reason
// shown instead of lines when there is nothing to draw.
import { describe, expect, it } from 'vitest';
import type { ResourceAmounts } from '../../src/client/node-metrics.js';
import {
  clockTime,
  nodeLegend,
  roundAxisMax,
  seriesColors,
  UsageHistory,
  type UsageSample,
  usageChart,
} from '../../src/dashboard/usage-history.js';
import { node } from '../helpers/tui-fixtures.js';

const mebibyte = 1024 * 1024;
const at = (h: number, m: number, s: number) => new Date(2026, 0, 1, h, m, s).getTime();
const usage = (milliCpu: number, mib: number): ResourceAmounts => ({ milliCpu, memory: mib * mebibyte });
const sample = (time: number, nodes: Record<string, ResourceAmounts>): UsageSample => ({
  at: time,
  nodes: new Map(Object.entries(nodes)),
});
const served = (samples: UsageSample[]) =>
  ({ available: true, at: samples.at(-1)?.at ?? 0, nodes: samples.at(-1)?.nodes ?? new Map() }) as const;
const realNodes = [node('worker-b', { simulated: false }), node('worker-a', { simulated: false })];

describe('UsageHistory', () => {
  it('keeps the last `capacity` samples, oldest first, and hands out copies', () => {
    const history = new UsageHistory(3);
    for (let i = 1; i <= 5; i++) history.record(sample(i * 1000, {}));
    const kept = history.samples();
    expect(kept.map((s) => s.at)).toEqual([3000, 4000, 5000]);
    history.record(sample(6000, {}));
    expect(kept.map((s) => s.at)).toEqual([3000, 4000, 5000]);
    expect(history.samples().map((s) => s.at)).toEqual([4000, 5000, 6000]);
  });
});

describe('usageChart', () => {
  const samples = [
    sample(at(12, 0, 0), { 'worker-a': usage(250, 512), 'worker-b': usage(40, 100) }),
    sample(at(12, 0, 2), { 'worker-a': usage(300, 520) }),
    sample(at(12, 0, 4), { 'worker-a': usage(410, 530), 'worker-b': usage(60, 101) }),
  ];

  it('draws one line per node in millicores, in node-name order, with the sample times', () => {
    const chart = usageChart('cpu', samples, realNodes, served(samples));
    expect(chart.unavailable).toBeUndefined();
    expect(chart.title).toBe('CPU used, millicores');
    expect(chart.times).toEqual(['12:00:00', '12:00:02', '12:00:04']);
    // worker-b missed the middle sample: its line holds the value before the gap.
    expect(chart.series).toEqual([
      { node: 'worker-a', color: 'green', values: [250, 300, 410] },
      { node: 'worker-b', color: 'yellow', values: [40, 40, 60] },
    ]);
    // 410 x 1.15 = 471.5, rounded up to the next round axis top.
    expect(chart.maxY).toBe(600);
  });

  it('draws memory in MiB, with a floor under the axis for idle nodes', () => {
    const chart = usageChart('memory', samples, realNodes, served(samples));
    expect(chart.title).toBe('Memory used, MiB');
    expect(chart.series.map((s) => s.values)).toEqual([
      [512, 520, 530],
      [100, 100, 101],
    ]);
    expect(chart.maxY).toBe(800);
    const idle = [sample(at(12, 0, 0), { 'worker-a': usage(1, 3) })];
    expect(usageChart('memory', idle, realNodes, served(idle)).maxY).toBe(80);
    expect(usageChart('cpu', idle, realNodes, served(idle)).maxY).toBe(100);
  });

  it('fills a gap before a node first reported with its first value', () => {
    const late = [
      sample(at(12, 0, 0), { 'worker-a': usage(100, 10) }),
      sample(at(12, 0, 2), { 'worker-a': usage(100, 10), 'worker-b': usage(70, 10) }),
    ];
    expect(usageChart('cpu', late, realNodes, served(late)).series[1]).toEqual({
      node: 'worker-b',
      color: 'yellow',
      values: [70, 70],
    });
  });

  it('gives each node the colour of its place among all nodes, reporting or not', () => {
    const onlyB = [sample(at(12, 0, 0), { 'worker-b': usage(5, 5) })];
    expect(usageChart('cpu', onlyB, realNodes, served(onlyB)).series.map((s) => s.color)).toEqual(['yellow']);
  });

  it('draws as many lines as it has colours and counts the rest', () => {
    const many = Array.from({ length: 9 }, (_, i) => node(`n${i}`, { simulated: false }));
    const all = [
      sample(at(12, 0, 0), Object.fromEntries(many.map((n, i) => [n.metadata!.name!, usage(i, i)]))),
    ];
    const chart = usageChart('cpu', all, many, served(all));
    expect(chart.series).toHaveLength(seriesColors.length);
    expect(chart.notDrawn).toBe(9 - seriesColors.length);
  });

  it('says why there is nothing to draw instead of drawing', () => {
    expect(usageChart('cpu', [], realNodes, undefined).unavailable).toEqual({
      short: 'waiting for a sample',
      detail: 'Waiting for the first sample from metrics.k8s.io.',
    });
    expect(
      usageChart('cpu', [], realNodes, {
        available: false,
        reason: 'metrics.k8s.io: the server could not find it',
      }).unavailable,
    ).toEqual({
      short: 'metrics.k8s.io not available',
      detail: 'metrics.k8s.io: the server could not find it',
    });
    const none = [sample(at(12, 0, 0), {})];
    const simulated = [node('sim-1'), node('sim-2')];
    expect(usageChart('memory', none, simulated, served(none)).unavailable).toEqual({
      short: 'SIMULATED, no usage',
      detail: 'All 2 nodes are SIMULATED:\nno real processes run, so\nmetrics.k8s.io has no usage for them.',
    });
    expect(usageChart('cpu', none, realNodes, served(none)).unavailable?.short).toBe('no usage reported yet');
    expect(usageChart('cpu', none, [], served(none)).unavailable?.short).toBe('no nodes');
  });
});

describe('nodeLegend', () => {
  it('lists every node with its colour and latest usage, or why it has none', () => {
    const nodes = [
      node('real', { simulated: false }),
      node('sim'),
      node('down', { simulated: false, ready: 'False' }),
    ];
    const samples = [
      sample(at(12, 0, 0), { real: usage(100, 50), down: usage(9, 9) }),
      sample(at(12, 0, 2), { real: usage(120, 60) }),
    ];
    expect(nodeLegend(nodes, samples)).toEqual([
      { node: 'down', color: 'green', ready: false, note: 'no usage' },
      { node: 'real', color: 'yellow', ready: true, usage: usage(120, 60) },
      { node: 'sim', color: 'cyan', ready: true, note: 'SIMULATED' },
    ]);
  });
});

describe('axis and time text', () => {
  it('rounds an axis top up to a number that splits into round steps', () => {
    expect([0, 0.7, 1, 1.1, 13, 99, 101, 471.5, 2500, 9000].map(roundAxisMax)).toEqual([
      1, 0.8, 1, 1.2, 16, 100, 120, 600, 3000, 10000,
    ]);
  });

  it('prints local clock time with seconds', () => {
    expect(clockTime(at(9, 5, 7))).toBe('09:05:07');
  });
});
