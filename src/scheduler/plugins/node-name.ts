// NodeName: a pod that names its node (spec.nodeName) fits only there.
import type { FilterPlugin } from '../framework.js';

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  prepare(pod) {
    const wanted = pod.pod.spec?.nodeName;
    if (!wanted) return undefined;
    return (node) => (node.name === wanted ? undefined : ["node(s) didn't match the requested node name"]);
  },
};
