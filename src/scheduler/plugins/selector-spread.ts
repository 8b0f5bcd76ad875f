// SelectorSpread: replicas of one workload should not share a node when they need not, so a
// node failure takes out as few of them as possible. Siblings are pods with the same
// controlling owner (the ReplicaSet or StatefulSet uid); pods with no controller are
// siblings when they have the same namespace and the same labels. Nodes keep a count per
// sibling group, so scoring a node is one lookup. Fewer siblings, higher score.
import { defaultNormalizeScore, type ScorePlugin } from '../framework.js';

export const selectorSpread: ScorePlugin = {
  name: 'SelectorSpread',
  weight: 2,
  prepare(pod) {
    const key = pod.spreadKey;
    return {
      score: (node) => (key ? (node.podsBySpreadKey.get(key) ?? 0) : 0),
      normalize: (scores) => defaultNormalizeScore(scores, true),
    };
  },
};
