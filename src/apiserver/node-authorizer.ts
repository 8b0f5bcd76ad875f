// kube's Node authorizer, for callers that are nodes (`system:node:<name>` in `system:nodes`,
// the credential an agent got by joining). It decides what a kubelet needs and nothing more:
//  - reads of nodes, pods and services (the kubelet watches them), and Events it writes;
//  - its own Node (create, update, patch, delete; NodeRestriction admission in
//    node-restriction.ts then limits which fields change) and its own Lease in kube-node-lease;
//  - the status and the final deletion of pods bound to it;
//  - Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccounts (and their tokens) only
//    when a pod bound to it names them (the authorizer's graph; pod-references.ts).
// Anything else gets no opinion here, so the RBAC authorizer after it decides (nodes are bound
// to system:node-proxier there); graph kinds the node has no relationship with are denied
// outright with kube's reason.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podReferences } from '../api/pod-references.js';
import { profileConfigMap } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import type { UserInfo } from './authn.js';
import { forbidden } from './forbidden.js';
import type { Registry } from './registry.js';
import type { ResourceRequest } from './request-info.js';

export const nodesGroup = 'system:nodes';
export const nodeUserPrefix = 'system:node:';

export type NodeDecision = 'allow' | 'no-opinion';

/** The node a caller is, or undefined for every other caller. */
export function nodeNameOf(user: UserInfo): string | undefined {
  return user.groups.includes(nodesGroup) && user.name.startsWith(nodeUserPrefix)
    ? user.name.slice(nodeUserPrefix.length)
    : undefined;
}

const readVerbs = new Set(['get', 'list', 'watch']);
/** What every kubelet may read (kube's system:node rules for these kinds). */
const readable = new Set(['nodes', 'pods', 'services']);
/** Kinds reachable only through a pod bound to the node. */
const graphKinds = new Set(['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts']);

export async function authorizeNode(
  user: UserInfo,
  node: string,
  info: ResourceRequest,
  registry: Registry,
): Promise<NodeDecision> {
  const plural = info.resource.plural;
  const sub = info.subresource;
  const verb = info.verb;
  if (!sub && readVerbs.has(verb) && readable.has(plural)) return 'allow';
  if (plural === 'events' && !sub && ['create', 'update', 'patch'].includes(verb)) return 'allow';
  if (plural === 'nodes' && (!sub || sub === 'status')) {
    // A create names no object in its path: NodeRestriction checks the body's name.
    if (info.name === node || (verb === 'create' && !info.name && !sub)) return 'allow';
    throw forbidden(user, info, `node "${node}" cannot modify node "${info.name}"`);
  }
  if (plural === 'leases' && !sub) {
    if (info.namespace !== 'kube-node-lease')
      throw forbidden(user, info, `can only access leases in the "kube-node-lease" system namespace`);
    if (info.name === node || (verb === 'create' && !info.name)) return 'allow';
    throw forbidden(user, info, 'can only access node lease with the same name as the requesting node');
  }
  if (
    plural === 'pods' &&
    info.name &&
    ((sub === 'status' && verb !== 'get') || (!sub && verb === 'delete'))
  ) {
    const pod = (await registry.get(resource.pods, info.namespace, info.name)) as Pod;
    if (pod.spec?.nodeName === node) return 'allow';
    throw forbidden(user, info, `pod is not bound to node "${node}"`);
  }
  if (graphKinds.has(plural)) return authorizeByGraph(user, node, info, registry);
  return 'no-opinion';
}

/**
 * A get of one object (or a token for one ServiceAccount) that some pod bound to this node
 * names. Lists and watches of these kinds would hand out every Secret: refused, as kube does.
 */
async function authorizeByGraph(
  user: UserInfo,
  node: string,
  info: ResourceRequest,
  registry: Registry,
): Promise<NodeDecision> {
  const plural = info.resource.plural;
  const tokenRequest = plural === 'serviceaccounts' && info.subresource === 'token' && info.verb === 'create';
  const plainGet = !info.subresource && info.verb === 'get';
  // Writes are not the graph's business: RBAC decides them (a node is bound to no role that
  // writes these kinds).
  if (!tokenRequest && !readVerbs.has(info.verb)) return 'no-opinion';
  if (!info.name || !info.namespace || !(plainGet || tokenRequest))
    throw forbidden(
      user,
      info,
      `can only ${plural === 'serviceaccounts' ? 'get or request tokens for' : 'get'} individual ${plural} referenced by pods bound to the node`,
    );
  // The published timing profile is cluster configuration every agent reads at start.
  if (
    plural === 'configmaps' &&
    info.namespace === profileConfigMap.namespace &&
    info.name === profileConfigMap.name
  )
    return 'allow';
  const wanted = `${plural}/${info.name}`;
  const pods = (await registry.listItems(resource.pods, info.namespace)) as Pod[];
  if (pods.some((p) => p.spec?.nodeName === node && podReferences(p).has(wanted))) return 'allow';
  throw forbidden(user, info, `no relationship found between node '${node}' and this object`);
}
