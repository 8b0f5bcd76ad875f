// NodePorts: two pods cannot hold the same hostPort and protocol on one node unless they bind
// different, specific host IPs (0.0.0.0 conflicts with every IP).
import type { FilterPlugin } from '../framework.js';

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  prepare(pod) {
    if (pod.hostPorts.length === 0) return undefined;
    return (node) => {
      for (const want of pod.hostPorts) {
        const ips = node.usedPorts.get(`${want.protocol}/${want.port}`);
        if (!ips) continue;
        const wildcard = want.hostIP === '0.0.0.0';
        if (ips.some((ip) => wildcard || ip === '0.0.0.0' || ip === want.hostIP))
          return ["node(s) didn't have free ports for the requested pod ports"];
      }
      return undefined;
    };
  },
};
