// Authorization, after authentication (authn.ts): who may do what, asked of each authorizer in
// turn as kube-apiserver's --authorization-mode=Node,RBAC does:
//  - `system:masters` (the admin kubeconfig): everything, without asking further;
//  - nodes: the Node authorizer (node-authorizer.ts) allows what a kubelet needs and denies
//    what its graph rules out; everything it has no opinion on goes on;
//  - bootstrap tokens (`system:bootstrappers`) get nothing here: only the join exchange
//    (join.ts), which checks its callers itself.
import type { UserInfo } from './authn.js';
import { forbidden } from './forbidden.js';
import { authorizeNode, nodeNameOf } from './node-authorizer.js';
import type { Registry } from './registry.js';
import type { ResourceRequest } from './request-info.js';

export const mastersGroup = 'system:masters';
export const bootstrappersGroup = 'system:bootstrappers';

/** Throws Forbidden unless `user` may make this resource request. */
export async function authorize(user: UserInfo, info: ResourceRequest, registry: Registry): Promise<void> {
  if (user.groups.includes(mastersGroup)) return;
  const node = nodeNameOf(user);
  if (node !== undefined && (await authorizeNode(user, node, info, registry)) === 'allow') return;
  throw forbidden(user, info);
}
