// Every request, plain or upgraded, runs the same stages in order, as kube-apiserver's
// DefaultBuildHandlerChain does: request info -> authentication -> authorization -> limits ->
// the handler that serves it. Request info comes first because the stages after it decide by
// verb, resource and user. A stage either calls next() or throws a StatusError, which the
// server writes as the answer.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../authn.js';
import type { RequestInfo } from '../request-info.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  /** Set by the request info stage. */
  info?: RequestInfo;
  /** Set by the authentication stage. */
  user?: UserInfo;
}

export type Stage = (ctx: RequestContext, next: () => Promise<void>) => Promise<void>;
export type Handler = (ctx: RequestContext) => Promise<void>;

export function handlerChain(
  stages: readonly Stage[],
): (ctx: RequestContext, last: Handler) => Promise<void> {
  return (ctx, last) => {
    // async, so a stage that throws before its first await still rejects rather than throws.
    const run = async (i: number): Promise<void> => {
      const stage = stages[i];
      return stage ? stage(ctx, () => run(i + 1)) : last(ctx);
    };
    return run(0);
  };
}

/** The request info of a context the request info stage has seen. */
export function infoOf(ctx: RequestContext): RequestInfo {
  if (!ctx.info) throw new Error('the request info stage must run before this one');
  return ctx.info;
}

/** The caller of a context the authentication stage has seen. */
export function userOf(ctx: RequestContext): UserInfo {
  if (!ctx.user) throw new Error('the authentication stage must run before this one');
  return ctx.user;
}
