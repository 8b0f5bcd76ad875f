// Authorization, after authentication (authn.ts): who may do what, asked of each authorizer in
// turn as kube-apiserver's --authorization-mode=Node,RBAC does:
//  - `system:masters` (the admin kubeconfig): everything, without asking further (so the admin
//    credential works even if someone deletes the cluster-admin binding);
//  - nodes: the Node authorizer (node-authorizer.ts) allows what a kubelet needs; what it does
//    not allow (its graph found no relationship, or it has no opinion) goes on to RBAC, as
//    kube's node authorizer answers NoOpinion, so a node bound to a role (system:node-proxier)
//    gets that role's rights;
//  - everyone: RBAC (rbac/), over the roles and bindings in the store;
//  - bootstrap tokens (`system:bootstrappers`) get nothing here: only the join exchange
//    (join.ts), which checks its callers itself.
import { StatusError } from '../api/status-error.js';
import type { UserInfo } from './authn.js';
import { attributesOf, forbidden } from './forbidden.js';
import { authorizeNode, nodeNameOf } from './node-authorizer.js';
import type { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import type { RequestAttributes } from './rbac/rule-match.js';
import type { Registry } from './registry.js';
import type { ResourceRequest } from './request-info.js';

export const mastersGroup = 'system:masters';
export const bootstrappersGroup = 'system:bootstrappers';

/** Whether masters or RBAC allow a request (the node authorizer is asked only by authorize()). */
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
  const node = nodeNameOf(user);
  if (node !== undefined) {
    try {
      if ((await authorizeNode(user, node, info, registry)) === 'allow') return;
    } catch (e) {
      // If RBAC also says no, the node authorizer's reason is the more useful one to show.
      if (!(e instanceof StatusError && e.code === 403)) throw e;
      denial = e;
    }
  }
  if (allowedByPolicy(user, attributesOf(info), rbac)) return;
  throw denial ?? forbidden(user, info);
}
