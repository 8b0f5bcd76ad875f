// The pure core of the scheduler: (pod, node snapshots) -> decision. Feasibility (every filter
// plugin, first failure wins, as kube stops at the first failing filter), then rank (every
// score plugin, normalised to 0..100, weighted and summed), then the plan (the best node).
// No I/O, no clock: the loop in scheduler.ts feeds it and acts on the decision.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../api/node-info.js';
import { type PodInfo, podInfoOf } from '../api/pod-info.js';
import { fitErrorMessage } from './fit-error.js';
import {
  type ClusterSnapshot,
  type FilterPlugin,
  type NodeFilter,
  type ScorePlugin,
  snapshotOf,
} from './framework.js';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodeName } from './plugins/node-name.js';
import { nodePorts } from './plugins/node-ports.js';
import { nodeReady, nodeUnschedulable } from './plugins/node-ready.js';
import {
  nodeResourcesFitFilter,
  nodeResourcesFitScore,
  type ScoringStrategy,
} from './plugins/node-resources.js';
import { podAntiAffinity } from './plugins/pod-anti-affinity.js';
import { selectorSpread } from './plugins/selector-spread.js';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';

export type { ScoringStrategy };

/** In kube's default-profile order: cheap node-only checks first. */
export const defaultFilters: readonly FilterPlugin[] = [
  nodeReady,
  nodeUnschedulable,
  nodeName,
  taintTolerationFilter,
  nodeAffinityFilter,
  nodePorts,
  nodeResourcesFitFilter,
  podAntiAffinity,
];

const scoreSets: Record<ScoringStrategy, readonly ScorePlugin[]> = {
  LeastAllocated: [
    nodeResourcesFitScore('LeastAllocated'),
    selectorSpread,
    nodeAffinityScore,
    taintTolerationScore,
  ],
  MostAllocated: [
    nodeResourcesFitScore('MostAllocated'),
    selectorSpread,
    nodeAffinityScore,
    taintTolerationScore,
  ],
};

export function defaultScores(strategy: ScoringStrategy = 'LeastAllocated'): readonly ScorePlugin[] {
  return scoreSets[strategy];
}

export interface ScheduleOptions {
  scoring?: ScoringStrategy;
  /**
   * kube's percentageOfNodesToScore: stop filtering once this share of the nodes was found
   * feasible. 0 or unset means kube's adaptive default (50% minus 1% per 125 nodes, at
   * least 5%, never fewer than 100 nodes).
   */
  percentageOfNodesToScore?: number;
  /** Where the search starts, so successive cycles give every node a turn (decision.nextStartIndex). */
  startIndex?: number;
  /** Replace the plugin sets (tests, experiments). */
  filters?: readonly FilterPlugin[];
  scores?: readonly ScorePlugin[];
}

export interface FilteredNode {
  name: string;
  plugin: string;
  reasons: readonly string[];
}

export interface RankedNode {
  name: string;
  /** Each plugin's normalised score, 0..100, before its weight. */
  scores: Record<string, number>;
  /** Sum of weight x score. */
  total: number;
}

export interface ScheduleDecision {
  /** The chosen node; absent when the pod fits nowhere. */
  nodeName?: string;
  /** Feasible nodes that were scored, best first. */
  ranked: RankedNode[];
  /** Every node that was evaluated and rejected, with the filter that rejected it. */
  filtered: FilteredNode[];
  /** Nodes looked at (feasible + filtered); fewer than all when sampling stopped early. */
  evaluated: number;
  totalNodes: number;
  /** kube's "0/3 nodes are available: ..." when unschedulable, else empty. */
  message: string;
  nextStartIndex: number;
  /** Plugin weights, so readers can see how totals were formed. */
  weights: Record<string, number>;
}

const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

/** kube's numFeasibleNodesToFind. */
export function feasibleNodesToFind(totalNodes: number, percentage = 0): number {
  if (totalNodes < minFeasibleNodesToFind) return totalNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(minFeasibleNodesPercentageToFind, 50 - Math.floor(totalNodes / 125));
  if (p >= 100) return totalNodes;
  return Math.max(minFeasibleNodesToFind, Math.floor((totalNodes * p) / 100));
}

export function schedulePod(
  pod: Pod | PodInfo,
  cluster: readonly NodeInfo[] | ClusterSnapshot,
  options: ScheduleOptions = {},
): ScheduleDecision {
  const info = 'pod' in pod && 'key' in pod ? pod : podInfoOf(pod as Pod);
  const snapshot = Array.isArray(cluster) ? snapshotOf(cluster) : (cluster as ClusterSnapshot);
  const nodes = snapshot.nodes;
  const filterPlugins = options.filters ?? defaultFilters;
  const scorePlugins = options.scores ?? defaultScores(options.scoring);
  const total = nodes.length;

  const active: { name: string; check: NodeFilter }[] = [];
  for (const p of filterPlugins) {
    const check = p.prepare(info, snapshot);
    if (check) active.push({ name: p.name, check });
  }

  const want = feasibleNodesToFind(total, options.percentageOfNodesToScore);
  const start = total ? (options.startIndex ?? 0) % total : 0;
  const feasible: NodeInfo[] = [];
  const filtered: FilteredNode[] = [];
  let evaluated = 0;
  while (evaluated < total && feasible.length < want) {
    const node = nodes[(start + evaluated) % total]!;
    evaluated++;
    let rejected: FilteredNode | undefined;
    for (const f of active) {
      const reasons = f.check(node);
      if (reasons) {
        rejected = { name: node.name, plugin: f.name, reasons };
        break;
      }
    }
    if (rejected) filtered.push(rejected);
    else feasible.push(node);
  }

  const weights = Object.fromEntries(scorePlugins.map((p) => [p.name, p.weight]));
  const ranked: RankedNode[] = feasible.map((n) => ({ name: n.name, scores: {}, total: 0 }));
  for (const plugin of scorePlugins) {
    const scorer = plugin.prepare(info, feasible);
    const raw = feasible.map((n) => scorer.score(n));
    scorer.normalize?.(raw);
    for (let i = 0; i < ranked.length; i++) {
      ranked[i]!.scores[plugin.name] = raw[i]!;
      ranked[i]!.total += plugin.weight * raw[i]!;
    }
  }
  // A stable sort: ties go to the node evaluated first. Evaluation starts where the previous
  // cycle stopped, so equal nodes take turns (kube breaks ties at random for the same reason)
  // while the same inputs still give the same answer.
  ranked.sort((a, b) => b.total - a.total);

  return {
    nodeName: ranked[0]?.name,
    ranked,
    filtered,
    evaluated,
    totalNodes: total,
    message: ranked.length ? '' : fitErrorMessage(total, filtered),
    nextStartIndex: total ? (start + evaluated) % total : 0,
    weights,
  };
}
