// NodeResourcesFit: the filter checks the pod's requests against what the node has left
// (allocatable minus what its pods request); the score ranks by how full the node would be
// afterwards, either preferring the emptiest nodes (LeastAllocated, kube's default: spread
// load) or the fullest (MostAllocated: bin packing, leaving whole nodes free). cpu and memory
// count equally, as in kube's default resource weights.
import { type FilterPlugin, maxNodeScore, type ScorePlugin } from '../framework.js';

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

export const nodeResourcesFitFilter: FilterPlugin = {
  name: 'NodeResourcesFit',
  prepare(pod) {
    const { milliCpu, memory } = pod.requests;
    return (node) => {
      const reasons: string[] = [];
      if (node.pods.size + 1 > node.allocatable.pods) reasons.push('Too many pods');
      if (milliCpu > 0 && milliCpu > node.allocatable.milliCpu - node.requested.milliCpu)
        reasons.push('Insufficient cpu');
      if (memory > 0 && memory > node.allocatable.memory - node.requested.memory)
        reasons.push('Insufficient memory');
      return reasons.length ? reasons : undefined;
    };
  },
};

export function leastAllocated(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

export function mostAllocated(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.floor((Math.min(requested, capacity) * maxNodeScore) / capacity);
}

export function nodeResourcesFitScore(strategy: ScoringStrategy): ScorePlugin {
  const resourceScore = strategy === 'MostAllocated' ? mostAllocated : leastAllocated;
  return {
    name: 'NodeResourcesFit',
    weight: 1,
    prepare(pod) {
      const want = pod.nonZeroRequests;
      return {
        score(node) {
          const cpu = resourceScore(
            node.nonZeroRequested.milliCpu + want.milliCpu,
            node.allocatable.milliCpu,
          );
          const mem = resourceScore(node.nonZeroRequested.memory + want.memory, node.allocatable.memory);
          return Math.floor((cpu + mem) / 2);
        },
      };
    },
  };
}
