// NodeReady and NodeUnschedulable. Kubernetes keeps pods off NotReady and cordoned nodes
// through the taints node.kubernetes.io/not-ready (or unreachable) and
// node.kubernetes.io/unschedulable, so a pod tolerating those taints (as DaemonSet pods
// do) passes; the not-ready check also reads the Ready condition itself, so a node is
// avoided from the moment it reports NotReady, before any controller has tainted it.

import { findToleration } from '../../api/tolerations.js';
import type { FilterPlugin } from '../framework.js';

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  prepare(pod) {
    return (node) => {
      if (node.ready === 'True') return undefined;
      const key =
        node.ready === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
      if (findToleration(pod.tolerations, { key, effect: 'NoSchedule' })) return undefined;
      return ['node(s) were not ready'];
    };
  },
};

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  prepare(pod) {
    if (findToleration(pod.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))
      return undefined;
    return (node) => (node.node.spec?.unschedulable ? ['node(s) were unschedulable'] : undefined);
  },
};
