// Authorization, by what the request asks for: resources by authz.ts's rules, metrics only
// for the control plane and nodes. Discovery and health are open to every authenticated
// caller; the join API checks its callers itself (join.ts), per operation.
import { StatusError } from '../../api/status-error.js';
import type { UserInfo } from '../authn.js';
import { authorize, mastersGroup, nodesGroup } from '../authz.js';
import type { Registry } from '../registry.js';
import type { RequestInfo } from '../request-info.js';
import { infoOf, type Stage, userOf } from './handler-chain.js';

type Rule<K extends RequestInfo['kind']> = (user: UserInfo, info: RequestInfo & { kind: K }) => Promise<void>;

export function authzStage(registry: Registry): Stage {
  const rules: { [K in RequestInfo['kind']]: Rule<K> } = {
    resource: (user, info) => authorize(user, info, registry),
    metrics: async (user) => {
      if (!user.groups.includes(mastersGroup) && !user.groups.includes(nodesGroup))
        throw new StatusError(403, 'Forbidden', `User "${user.name}" cannot read metrics.k8s.io`);
    },
    // kube grants create tokenreviews through RBAC (system:auth-delegator); until RBAC, the
    // control plane only.
    review: async (user, info) => {
      if (!user.groups.includes(mastersGroup))
        throw new StatusError(
          403,
          'Forbidden',
          `${info.review.plural}.${info.review.group} is forbidden: User "${user.name}" cannot create resource "${info.review.plural}" in API group "${info.review.group}" at the cluster scope`,
        );
    },
    discovery: async () => {},
    join: async () => {},
    unserved: async () => {},
  };
  return async (ctx, next) => {
    const info = infoOf(ctx);
    await (rules[info.kind] as Rule<typeof info.kind>)(userOf(ctx), info);
    return next();
  };
}
