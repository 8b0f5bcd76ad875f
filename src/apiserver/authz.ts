// Authorization, after authentication (authn.ts): who may do what. Three kinds of callers:
//  - `system:masters` (the admin kubeconfig, the control-plane components): everything.
//  - nodes (`system:node:<name>` in `system:nodes`, credentials an agent got by joining):
//    kube's Node authorizer + NodeRestriction admission, reduced. A node reads what a kubelet
//    reads, and writes only its own Node (and status), its own Lease in kube-node-lease, the
//    status of pods bound to it, the final deletion of those pods, Events, and tokens bound
//    to its pods.
//  - bootstrap tokens (`system:bootstrappers`): only the join exchange (join.ts).
// Deliberate simplification against kube: a node may read every Secret and ConfigMap (kube
// limits it to those its pods reference, which needs the authorizer's object graph).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { UserInfo } from './authn.js';
import type { Registry } from './registry.js';
import type { ResourceRequest } from './request-info.js';

export const mastersGroup = 'system:masters';
export const nodesGroup = 'system:nodes';
export const bootstrappersGroup = 'system:bootstrappers';
export const nodeUserPrefix = 'system:node:';

const readVerbs = new Set(['get', 'list', 'watch']);
/** What a kubelet reads (kube's system:node ClusterRole, reduced to kubelab's kinds). */
const nodeReadable = new Set([
  'pods',
  'nodes',
  'services',
  'endpoints',
  'configmaps',
  'secrets',
  'namespaces',
  'leases',
]);

/** kube's message: `pods "web" is forbidden: User "x" cannot update resource "pods" ...`. */
export function forbidden(user: UserInfo, info: ResourceRequest, why?: string): StatusError {
  const r = info.resource;
  const resource = info.subresource ? `${r.plural}/${info.subresource}` : r.plural;
  const target = info.name ? `${r.group ? `${r.plural}.${r.group}` : r.plural} "${info.name}"` : r.plural;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  return new StatusError(
    403,
    'Forbidden',
    `${target} is forbidden: User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${r.group}" ${scope}${why ? `: ${why}` : ''}`,
    { name: info.name, group: r.group, kind: r.plural },
  );
}

/** Throws Forbidden unless `user` may make this resource request. */
export async function authorize(user: UserInfo, info: ResourceRequest, registry: Registry): Promise<void> {
  if (user.groups.includes(mastersGroup)) return;
  if (user.groups.includes(nodesGroup) && user.name.startsWith(nodeUserPrefix))
    return authorizeNode(user, user.name.slice(nodeUserPrefix.length), info, registry);
  throw forbidden(user, info);
}

async function authorizeNode(
  user: UserInfo,
  node: string,
  info: ResourceRequest,
  registry: Registry,
): Promise<void> {
  const plural = info.resource.plural;
  const sub = info.subresource;
  if (readVerbs.has(info.verb) && !sub && nodeReadable.has(plural)) return;
  if (plural === 'pods' && sub === 'log' && info.verb === 'get') return;
  if (plural === 'events' && ['create', 'update', 'patch'].includes(info.verb)) return;
  if (plural === 'nodes' && ['create', 'update', 'patch', 'get'].includes(info.verb)) {
    if (info.name === node || (info.verb === 'create' && !info.name)) return;
    throw forbidden(user, info, `node "${node}" cannot modify node "${info.name}"`);
  }
  if (plural === 'leases') {
    if (
      info.namespace === 'kube-node-lease' &&
      (info.name === node || (info.verb === 'create' && !info.name))
    )
      return;
    throw forbidden(user, info, `node "${node}" can only use its own Lease in kube-node-lease`);
  }
  // Tokens for its pods' projected volumes; which pod the token is bound to is in the body,
  // so the token handler checks it (token-request.ts), as kube's NodeRestriction does.
  if (plural === 'serviceaccounts' && sub === 'token' && info.verb === 'create') return;
  if (
    plural === 'pods' &&
    info.name &&
    ((sub === 'status' && info.verb !== 'get') || (!sub && info.verb === 'delete'))
  ) {
    const pod = (await registry.get(resource.pods, info.namespace, info.name)) as Pod;
    if (pod.spec?.nodeName === node) return;
    throw forbidden(user, info, `pod is not bound to node "${node}"`);
  }
  throw forbidden(user, info);
}

/**
 * For writes whose body names the node (creating a Node or a Lease): the object must be the
 * caller's own, as NodeRestriction admission checks.
 */
export function checkNodeOwnsObject(
  user: UserInfo,
  info: ResourceRequest,
  objectName: string | undefined,
): void {
  if (!user.groups.includes(nodesGroup) || user.groups.includes(mastersGroup)) return;
  const node = user.name.slice(nodeUserPrefix.length);
  if ((info.resource.plural === 'nodes' || info.resource.plural === 'leases') && objectName !== node)
    throw forbidden(user, info, `node "${node}" cannot create an object named "${objectName}"`);
}
