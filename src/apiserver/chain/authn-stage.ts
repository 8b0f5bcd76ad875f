// Authentication: every path, health and discovery included, needs a valid bearer token; a
// request without one is 401 whatever it asked for. Each authenticator (authn.ts) is asked in
// turn and the first that recognises the token names the caller.
import { statusErrors } from '../../api/status-error.js';
import { type Authenticator, authenticatedGroup } from '../authn.js';
import type { Stage } from './handler-chain.js';

export function authnStage(authenticators: readonly Authenticator[]): Stage {
  return async (ctx, next) => {
    const authorization = ctx.req.headers.authorization;
    for (const a of authenticators) {
      const user = await a.authenticate(authorization);
      if (!user) continue;
      // Added here, not by each authenticator, as kube's AuthenticatedGroupAdder does: every
      // credential, including kinds of token added later, lands in the group RBAC grants
      // discovery and the self-reviews to.
      ctx.user = user.groups.includes(authenticatedGroup)
        ? user
        : { ...user, groups: [...user.groups, authenticatedGroup] };
      return next();
    }
    throw statusErrors.unauthorized();
  };
}
