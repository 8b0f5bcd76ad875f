// TaintToleration: a node's NoSchedule/NoExecute taints keep out every pod that does not
// tolerate them; its PreferNoSchedule taints only lower the node's score, by how many of
// them the pod does not tolerate.
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { findToleration, toleratesTaint } from '../../api/tolerations.js';
import { defaultNormalizeScore, type FilterPlugin, type ScorePlugin } from '../framework.js';

export const taintTolerationFilter: FilterPlugin = {
  name: 'TaintToleration',
  prepare(pod) {
    return (node) => {
      for (const taint of node.hardTaints) {
        if (findToleration(pod.tolerations, taint)) continue;
        return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
      }
      return undefined;
    };
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  prepare(pod) {
    // Only tolerations that can apply to PreferNoSchedule count, as in kube's PreScore.
    const tolerations: Toleration[] = pod.tolerations.filter(
      (t) => !t.effect || t.effect === 'PreferNoSchedule',
    );
    return {
      score(node) {
        let intolerable = 0;
        for (const taint of node.preferNoScheduleTaints) {
          if (!tolerations.some((t) => toleratesTaint(t, taint))) intolerable++;
        }
        return intolerable;
      },
      normalize: (scores) => defaultNormalizeScore(scores, true),
    };
  },
};
