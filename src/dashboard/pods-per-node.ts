// Pods per node for the bar chart: non-terminated pods bound to each node, and the ones no
// node has taken yet (Pending) as a bar of their own. Then the bars fitted to the chart's
// width: blessed-contrib writes every title under its bar without cutting it, so titles must
// be short enough not to run into the next bar, and bars that do not fit are left out (and
// counted) rather than drawn past the edge.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isTerminal } from '../api/pod-info.js';
import { fitText, fitTextMiddle } from './text-fit.js';

export interface PodsPerNode {
  /** Every node (by name), with nodes that are gone but still have pods bound to them. */
  nodes: { node: string; pods: number }[];
  /** Pods not bound to a node yet. */
  pending: number;
}

export function podsPerNode(nodes: readonly Node[], pods: readonly Pod[]): PodsPerNode {
  const counts = new Map<string, number>(nodes.map((n) => [n.metadata?.name ?? '', 0]));
  let pending = 0;
  for (const pod of pods) {
    if (isTerminal(pod)) continue;
    const node = pod.spec?.nodeName;
    if (node) counts.set(node, (counts.get(node) ?? 0) + 1);
    else pending++;
  }
  const byName = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { nodes: byName.map(([node, n]) => ({ node, pods: n })), pending };
}

export const pendingBarTitle = 'Pending';

export interface BarLayout {
  titles: string[];
  values: number[];
  barWidth: number;
  /** From one bar's left edge to the next one's. */
  barSpacing: number;
  /** Nodes left out because their bars would not fit. */
  hidden: number;
}

/** Where blessed-contrib starts the first bar. */
export const barXOffset = 1;
const shortestTitle = 5;

/** "kubelab-worker", "kubelab-worker2" -> "worker", "worker2": the part that tells them apart. */
export function withoutCommonPrefix(names: readonly string[]): string[] {
  if (names.length < 2) return [...names];
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.lastIndexOf('-') + 1;
  return cut > 0 && names.every((n) => n.length > cut) ? names.map((n) => n.slice(cut)) : [...names];
}

/**
 * Bars for a chart `width` columns wide inside its border: full node names when they fit, then
 * names without their common prefix, then names cut in the middle (their ends tell numbered
 * nodes apart); the Pending bar always stays.
 */
export function fitBars(counts: PodsPerNode, width: number): BarLayout {
  const names = counts.nodes.map((n) => n.node);
  const values = [...counts.nodes.map((n) => n.pods), counts.pending];
  const longestValue = Math.max(...values.map((v) => String(v).length));
  const fits = (titleWidth: number, bars: number) =>
    barXOffset + bars * (Math.max(titleWidth, longestValue) + 2) <= width;
  const layout = (titles: string[], shownValues: number[], hidden: number): BarLayout => {
    const barSpacing = Math.max(...titles.map((t) => t.length), longestValue) + 2;
    // blessed-contrib widens the spacing itself unless a bar leaves 3 columns to the next one.
    return {
      titles,
      values: shownValues,
      barWidth: Math.max(1, Math.min(6, barSpacing - 3)),
      barSpacing,
      hidden,
    };
  };
  for (const candidate of [names, withoutCommonPrefix(names)]) {
    const titles = [...candidate, pendingBarTitle];
    if (fits(Math.max(...titles.map((t) => t.length)), titles.length)) return layout(titles, values, 0);
  }
  const short = withoutCommonPrefix(names);
  for (let max = Math.max(shortestTitle, ...short.map((t) => t.length)) - 1; max >= shortestTitle; max--) {
    if (fits(max, short.length + 1))
      return layout([...short.map((t) => fitTextMiddle(t, max)), fitText(pendingBarTitle, max)], values, 0);
  }
  // Still too many: as many nodes as fit (the busiest), then Pending.
  const room = Math.max(
    0,
    Math.floor((width - barXOffset) / (Math.max(shortestTitle, longestValue) + 2)) - 1,
  );
  const busiest = counts.nodes
    .map((n, i) => ({ ...n, title: fitTextMiddle(short[i]!, shortestTitle) }))
    .sort((a, b) => b.pods - a.pods)
    .slice(0, room)
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return layout(
    [...busiest.map((n) => n.title), fitText(pendingBarTitle, shortestTitle)],
    [...busiest.map((n) => n.pods), counts.pending],
    counts.nodes.length - busiest.length,
  );
}
