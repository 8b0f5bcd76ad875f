// Where a node's agent answers (kube-apiserver's node.GetLocation + kubelet client config): the
// Node's InternalIP and daemonEndpoints.kubeletEndpoint.Port. The logs, exec and metrics
// proxies all go through here, so a node that cannot be reached is explained the same way.
import type { Node } from 'kubernetes-types/core/v1.js';
import { simulatedNodeLabel } from '../api/node-labels.js';
import { resource } from '../api/resources.js';
import { statusErrors } from '../api/status-error.js';
import type { Registry } from './registry.js';

/** `https://address:port` of the node's agent; `what` names the feature in the error ("logs"). */
export async function kubeletBaseUrl(registry: Registry, nodeName: string, what: string): Promise<string> {
  const node = (await registry.get(resource.nodes, undefined, nodeName)) as Node;
  return nodeKubeletUrl(node, what);
}

export function nodeKubeletUrl(node: Node, what: string): string {
  const name = node.metadata?.name;
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) {
    // A SIMULATED node serves an endpoint only when its host runs one (tests do).
    if (node.metadata?.labels?.[simulatedNodeLabel] === 'true')
      throw statusErrors.badRequest(
        `node "${name}" is SIMULATED: its containers are not real processes, so it has no ${what}`,
      );
    throw statusErrors.badRequest(`node "${name}" does not publish an address and kubelet port for ${what}`);
  }
  return `https://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
