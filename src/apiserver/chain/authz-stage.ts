// Authorization, by what the request asks for: resources by authz.ts (masters, nodes, RBAC);
// metrics.k8s.io as the resources `pods` and `nodes` of that group, and discovery, health and
// version as non-resource paths, both by RBAC (the default roles grant them: bootstrap-policy.ts).
// The join API checks its callers itself (join.ts), per operation; an unserved path is answered
// 404 by the mux.
import type { UserInfo } from '../authn.js';
import { allowedByPolicy, authorize } from '../authz.js';
import { forbiddenError } from '../forbidden.js';
import type { RbacAuthorizer } from '../rbac/rbac-authorizer.js';
import type { RequestAttributes } from '../rbac/rule-match.js';
import type { Registry } from '../registry.js';
import { decodePathSegments, type ExtensionRequest, type RequestInfo } from '../request-info.js';
import { infoOf, type Stage, userOf } from './handler-chain.js';

type Rule<K extends RequestInfo['kind']> = (
  user: UserInfo,
  info: RequestInfo & { kind: K },
  method: string,
) => Promise<void>;

/** `nodes[/N]`, `pods`, `namespaces/NS/pods[/N]`: metrics-api.ts's paths, as resource attributes. */
export function metricsAttributes(info: ExtensionRequest): RequestAttributes {
  let parts = decodePathSegments(info.rest);
  let namespace: string | undefined;
  if (parts[0] === 'namespaces') {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const watch = info.query.get('watch') === '1' || info.query.get('watch') === 'true';
  return {
    kind: 'resource',
    verb: watch ? 'watch' : parts[1] ? 'get' : 'list',
    apiGroup: 'metrics.k8s.io',
    resource: parts[0] ?? '',
    namespace,
    name: parts[1],
  };
}

export function authzStage(registry: Registry, rbac: RbacAuthorizer): Stage {
  const byRbac = async (user: UserInfo, attrs: RequestAttributes) => {
    if (!allowedByPolicy(user, attrs, rbac)) throw forbiddenError(user, attrs);
  };
  const rules: { [K in RequestInfo['kind']]: Rule<K> } = {
    resource: (user, info) => authorize(user, info, registry, rbac),
    metrics: (user, info) => byRbac(user, metricsAttributes(info)),
    discovery: (user, info, method) =>
      byRbac(user, { kind: 'nonResource', verb: method.toLowerCase(), path: info.path }),
    join: async () => {},
    unserved: async () => {},
  };
  return async (ctx, next) => {
    const info = infoOf(ctx);
    await (rules[info.kind] as Rule<typeof info.kind>)(userOf(ctx), info, ctx.req.method ?? 'GET');
    return next();
  };
}
