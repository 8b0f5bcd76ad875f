// Authorization, by what the request asks for: resources by authz.ts's rules, metrics only
// for the control plane and nodes. Discovery and health are open to every authenticated
// caller; the join API checks its callers itself (join.ts), per operation.
import { StatusError } from '../../api/status-error.js';
import type { UserInfo } from '../authn.js';
import { authorize, mastersGroup } from '../authz.js';
import { nodesGroup } from '../node-authorizer.js';
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
