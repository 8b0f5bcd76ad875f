// NodeAffinity: spec.nodeSelector and requiredDuringScheduling node affinity must both hold
// (filter); preferredDuringScheduling terms add their weights to a node's score.

import { nodeSelectorTermMatches } from '../../api/node-selector.js';
import type { FilterPlugin, ScorePlugin } from '../framework.js';
import { defaultNormalizeScore } from '../framework.js';

const reason = ["node(s) didn't match Pod's node affinity/selector"] as const;

export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  prepare(pod) {
    const selector = Object.entries(pod.pod.spec?.nodeSelector ?? {});
    const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (selector.length === 0 && !required) return undefined;
    return (node) => {
      const labels = node.node.metadata?.labels ?? {};
      for (const [k, v] of selector) if (labels[k] !== v) return reason;
      if (required && !required.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node.node)))
        return reason;
      return undefined;
    };
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  prepare(pod) {
    const preferred =
      pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (preferred.length === 0) return { score: () => 0 };
    return {
      score(node) {
        let sum = 0;
        for (const p of preferred)
          if (p.weight && nodeSelectorTermMatches(p.preference, node.node)) sum += p.weight;
        return sum;
      },
      normalize: (scores) => defaultNormalizeScore(scores, false),
    };
  },
};
