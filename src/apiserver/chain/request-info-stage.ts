// First stage: what the request asks for (request-info.ts), for every stage after it.
import { resolveRequest } from '../request-info.js';
import type { Stage } from './handler-chain.js';

export const requestInfoStage: Stage = (ctx, next) => {
  ctx.info = resolveRequest(ctx.req.method ?? 'GET', ctx.req.url ?? '/');
  return next();
};
