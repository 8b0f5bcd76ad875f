// Authorization, after authentication (authn.ts): who may do what, asked in kube's order.
//  - `system:masters` (the admin kubeconfig): everything, without looking further.
//  - nodes (`system:node:<name>` in `system:nodes`, credentials an agent got by joining):
//    kube's Node authorizer + NodeRestriction admission, reduced. A node reads what a kubelet
//    reads, and writes only its own Node (and status), its own Lease in kube-node-lease, the
//    status of pods bound to it, the final deletion of those pods, and Events. What it does
//    not allow falls through to RBAC, so a node bound to a role (system:node-proxier) gets it.
//  - everyone: RBAC (rbac/), over the roles and bindings in the store.
//  - bootstrap tokens (`system:bootstrappers`): only the join exchange (join.ts).
// Deliberate simplification against kube: a node may read every Secret and ConfigMap (kube
// limits it to those its pods reference, which needs the authorizer's object graph).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { UserInfo } from './authn.js';
import type { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import type { RequestAttributes } from './rbac/rule-match.js';
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

/** What a resource request asks for, in the authorizer's terms. */
export function attributesOf(info: ResourceRequest): RequestAttributes {
  return {
    kind: 'resource',
    verb: info.verb,
    apiGroup: info.resource.group,
    resource: info.resource.plural,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

/**
 * kube's message: `pods "web" is forbidden: User "x" cannot update resource "pods" in API group
 * "" in the namespace "a"`, or `forbidden: User "x" cannot get path "/metrics"`. RBAC gives no
 * reason for a plain denial; the node authorizer says which relationship was missing.
 */
export function forbiddenError(user: UserInfo, attrs: RequestAttributes, why?: string): StatusError {
  const reason = why ? `: ${why}` : '';
  if (attrs.kind === 'nonResource')
    return new StatusError(
      403,
      'Forbidden',
      `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"${reason}`,
    );
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const target = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return new StatusError(
    403,
    'Forbidden',
    `${target} is forbidden: User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${scope}${reason}`,
    { name: attrs.name, group: attrs.apiGroup, kind: attrs.resource },
  );
}

export function forbidden(user: UserInfo, info: ResourceRequest, why?: string): StatusError {
  return forbiddenError(user, attributesOf(info), why);
}

/**
 * Whether masters or RBAC allow a request. Masters are asked first so the admin credential
 * works even if someone deletes the cluster-admin binding.
 */
export function allowedByPolicy(user: UserInfo, attrs: RequestAttributes, rbac: RbacAuthorizer): boolean {
  return user.groups.includes(mastersGroup) || rbac.allows(user, attrs);
}

/** Throws Forbidden unless `user` may make this resource request. */
export async function authorize(
  user: UserInfo,
  info: ResourceRequest,
  registry: Registry,
  rbac: RbacAuthorizer,
): Promise<void> {
  if (user.groups.includes(mastersGroup)) return;
  let denial: StatusError | undefined;
  if (user.groups.includes(nodesGroup) && user.name.startsWith(nodeUserPrefix)) {
    try {
      return await authorizeNode(user, user.name.slice(nodeUserPrefix.length), info, registry);
    } catch (e) {
      // The node authorizer has no opinion beyond a node's own objects: RBAC decides the rest,
      // and if it also says no, the node authorizer's reason is the more useful one to show.
      if (!(e instanceof StatusError && e.code === 403)) throw e;
      denial = e;
    }
  }
  if (allowedByPolicy(user, attributesOf(info), rbac)) return;
  throw denial ?? forbidden(user, info);
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
