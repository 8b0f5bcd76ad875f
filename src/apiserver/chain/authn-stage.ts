// Authentication: every path, health and discovery included, needs a valid bearer token
// (authn.ts); a request without one is 401 whatever it asked for.
import { statusErrors } from '../../api/status-error.js';
import type { TokenAuthenticator } from '../authn.js';
import type { Stage } from './handler-chain.js';

export function authnStage(tokens: TokenAuthenticator): Stage {
  return (ctx, next) => {
    const user = tokens.authenticate(ctx.req.headers.authorization);
    if (!user) throw statusErrors.unauthorized();
    ctx.user = user;
    return next();
  };
}
