// Node usage over time: the last N metrics.k8s.io samples, and the line charts and the
// per-node legend made from them. Pure (samples and objects in, chart data out) so the
// charts' numbers, colours and "not available" reasons are tested without a terminal.
import type { Node } from 'kubernetes-types/core/v1.js';
import { simulatedNodeLabel } from '../api/node-labels.js';
import { isNodeReady } from '../api/node-state.js';
import type { NodeMetricsState, ResourceAmounts } from '../client/node-metrics.js';

export interface UsageSample {
  /** Clock milliseconds when the sample was taken. */
  at: number;
  /** Usage of the nodes that reported one; a node left out had none to give. */
  nodes: ReadonlyMap<string, ResourceAmounts>;
}

/** The last `capacity` samples, oldest first: the charts' fixed time window. */
export class UsageHistory {
  private readonly kept: UsageSample[] = [];

  constructor(readonly capacity = 60) {}

  record(sample: UsageSample): void {
    this.kept.push(sample);
    if (this.kept.length > this.capacity) this.kept.splice(0, this.kept.length - this.capacity);
  }

  /** A copy: frames hold it after more samples arrive. */
  samples(): UsageSample[] {
    return [...this.kept];
  }
}

export type UsageResource = 'cpu' | 'memory';

/** The colours lines are drawn in, in node-name order; a node keeps its colour in both charts. */
export const seriesColors = ['green', 'yellow', 'cyan', 'magenta', 'blue', 'white', 'red'] as const;
export type SeriesColor = (typeof seriesColors)[number];

export interface UsageSeries {
  node: string;
  color: SeriesColor;
  /** One value per sample (millicores, or MiB). */
  values: number[];
}

export interface UsageChart {
  /** What is drawn and in which unit, for the chart's label. */
  title: string;
  /** Set when there is nothing to draw: why, in a few words for the label and in full for the chart's place. */
  unavailable?: { short: string; detail: string };
  /** The sample times, for the x axis. */
  times: string[];
  series: UsageSeries[];
  /** The top of the y axis: a round number above the highest value. */
  maxY: number;
  /** Nodes with usage that have no line because there are more nodes than colours. */
  notDrawn: number;
}

const mebibyte = 1024 * 1024;
const units: Record<
  UsageResource,
  { title: string; minMaxY: number; value: (u: ResourceAmounts) => number }
> = {
  cpu: { title: 'CPU used, millicores', minMaxY: 100, value: (u) => u.milliCpu },
  memory: { title: 'Memory used, MiB', minMaxY: 64, value: (u) => Math.round(u.memory / mebibyte) },
};

/** HH:MM:SS in local time, as the x axis and the event log print it. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * The smallest round number at or above `value` (1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8 x 10^k): each
 * splits into 4 round steps, the y axis' labels, and none wastes much more than a third of
 * the chart's height.
 */
export function roundAxisMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8, 10]) {
    const candidate = Math.round(step * magnitude * 1e6) / 1e6;
    if (candidate >= value) return candidate;
  }
  return 10 * magnitude;
}

export const nodeName = (n: Node): string => n.metadata?.name ?? '';
export const isSimulatedNode = (n: Node): boolean => n.metadata?.labels?.[simulatedNodeLabel] !== undefined;

/** Node names in the order their lines and legend entries are drawn. */
export function chartedNodeNames(nodes: readonly Node[]): string[] {
  return nodes.map(nodeName).sort();
}

/** Why no node has usage to draw, from what the nodes are. */
function noUsageReason(nodes: readonly Node[]): { short: string; detail: string } {
  if (nodes.length === 0) return { short: 'no nodes', detail: 'The cluster has no nodes yet.' };
  const simulated = nodes.filter(isSimulatedNode).length;
  if (simulated === nodes.length)
    return {
      short: 'SIMULATED, no usage',
      detail: `${nodes.length === 1 ? 'The node is' : `All ${nodes.length} nodes are`} SIMULATED:\nno real processes run, so\nmetrics.k8s.io has no usage for them.`,
    };
  return {
    short: 'no usage reported yet',
    detail: 'No node has reported usage to metrics.k8s.io yet (agents sample every few seconds).',
  };
}

/**
 * One chart's data. A line needs a value at every sample (blessed-contrib draws no gaps), so a
 * node that missed samples holds its nearest known value; the legend says which nodes have no
 * usage now.
 */
export function usageChart(
  resource: UsageResource,
  samples: readonly UsageSample[],
  nodes: readonly Node[],
  metrics: NodeMetricsState | undefined,
): UsageChart {
  const unit = units[resource];
  const empty = { title: unit.title, times: [], series: [], maxY: unit.minMaxY, notDrawn: 0 };
  if (!metrics)
    return {
      ...empty,
      unavailable: {
        short: 'waiting for a sample',
        detail: 'Waiting for the first sample from metrics.k8s.io.',
      },
    };
  if (!metrics.available)
    return { ...empty, unavailable: { short: 'metrics.k8s.io not available', detail: metrics.reason } };
  const names = chartedNodeNames(nodes);
  const reporting = names.filter((name) => samples.some((s) => s.nodes.has(name)));
  if (reporting.length === 0) return { ...empty, unavailable: noUsageReason(nodes) };
  const series: UsageSeries[] = [];
  for (const name of reporting.slice(0, seriesColors.length)) {
    const known = samples.map((s) => {
      const usage = s.nodes.get(name);
      return usage && unit.value(usage);
    });
    const first = known.find((v) => v !== undefined) ?? 0;
    let last = first;
    const values = known.map((v) => {
      last = v ?? last;
      return last;
    });
    series.push({ node: name, color: seriesColors[names.indexOf(name) % seriesColors.length]!, values });
  }
  const highest = Math.max(0, ...series.flatMap((s) => s.values));
  return {
    title: unit.title,
    times: samples.map((s) => clockTime(s.at)),
    series,
    maxY: roundAxisMax(Math.max(unit.minMaxY, highest * 1.15)),
    notDrawn: reporting.length - series.length,
  };
}

export interface NodeLegendEntry {
  node: string;
  color: SeriesColor;
  /** From the latest sample; undefined when the node has none. */
  usage?: ResourceAmounts;
  /** Why there is no usage, when there is none. */
  note?: string;
  ready: boolean;
}

/** One entry per node: its colour in the charts and its latest usage, or why it has none. */
export function nodeLegend(nodes: readonly Node[], samples: readonly UsageSample[]): NodeLegendEntry[] {
  const latest = samples.at(-1);
  const byName = new Map(nodes.map((n) => [nodeName(n), n]));
  return chartedNodeNames(nodes).map((name, i) => {
    const node = byName.get(name)!;
    const usage = latest?.nodes.get(name);
    const entry: NodeLegendEntry = {
      node: name,
      color: seriesColors[i % seriesColors.length]!,
      ready: isNodeReady(node),
    };
    if (usage) return { ...entry, usage };
    return { ...entry, note: isSimulatedNode(node) ? 'SIMULATED' : 'no usage' };
  });
}
