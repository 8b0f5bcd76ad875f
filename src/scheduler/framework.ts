// The plugin contract, after kube-scheduler's framework: a filter decides whether a node can
// run the pod at all, a score ranks the nodes that can. Each plugin is prepared once per
// scheduling cycle with the pod (kube's PreFilter/PreScore), which is where pod-side work is
// done once and where a plugin that cannot matter for this pod opts out entirely.
import type { NodeInfo } from '../api/node-info.js';
import type { PodInfo } from '../api/pod-info.js';

/** Kube's words for why the node was rejected (several for NodeResourcesFit), or undefined when it fits. */
export type NodeFilter = (node: NodeInfo) => readonly string[] | undefined;

/** The nodes a cycle sees (kube's scheduler Snapshot). */
export interface ClusterSnapshot {
  readonly nodes: readonly NodeInfo[];
  /**
   * The nodes running a pod with required anti-affinity. Kept apart because every incoming
   * pod must be checked against those pods, and scanning 5,000 nodes for them each cycle
   * would cost more than the rest of the cycle.
   */
  readonly nodesWithRequiredAntiAffinity: readonly NodeInfo[];
}

export function snapshotOf(nodes: readonly NodeInfo[]): ClusterSnapshot {
  return {
    nodes,
    nodesWithRequiredAntiAffinity: nodes.filter((n) => n.podsWithRequiredAntiAffinity.size > 0),
  };
}

export interface FilterPlugin {
  readonly name: string;
  /** The per-node check for this pod, or undefined when no node can fail it (kube's PreFilter Skip). */
  prepare(pod: PodInfo, snapshot: ClusterSnapshot): NodeFilter | undefined;
}

export interface NodeScorer {
  /** A raw score; `normalize` (when given) maps the raw scores of all feasible nodes onto 0..100. */
  score(node: NodeInfo): number;
  normalize?(scores: number[]): void;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  prepare(pod: PodInfo, feasible: readonly NodeInfo[]): NodeScorer;
}

export const maxNodeScore = 100;

/**
 * kube's DefaultNormalizeScore: scale so the highest raw score becomes 100; `reverse` for
 * counts of bad things, where the node with the most gets 0 and nodes with none get 100.
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) {
      scores[i] = reverse ? maxNodeScore : scores[i]!;
      continue;
    }
    const s = Math.floor((maxNodeScore * scores[i]!) / max);
    scores[i] = reverse ? maxNodeScore - s : s;
  }
}
