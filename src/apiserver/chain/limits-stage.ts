// Limits, as kube-apiserver's max-in-flight and timeout filters: at most `maxInFlight`
// read-only and `maxMutatingInFlight` mutating requests are served at once (the next gets 429
// TooManyRequests with Retry-After, and the client retries), and a request that has not
// finished within the time limit, or the shorter `?timeout=` it asked for, gets 504 Timeout.
// Long-running requests (watches, exec sessions, followed logs) are neither counted nor timed.
// Exempt from the count, as API Priority and Fairness' exempt and leader-election levels
// make them in kube, is what keeps the cluster alive when it is busiest: system:masters and
// the control-plane identities, health checks (a load balancer must not take a busy server
// for a dead one), and Lease renewals (a node whose renewals were refused would be declared
// NotReady and its pods evicted because the API server was busy). Counted requests also start
// only a few per event-loop turn (turn-gate.ts), so the exempt ones are answered promptly even
// though they share the one thread with everything else.
import { StatusError, statusErrors } from '../../api/status-error.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import type { UserInfo } from '../authn.js';
import { mastersGroup } from '../authz.js';
import { healthPaths } from '../health.js';
import { nodesGroup } from '../node-authorizer.js';
import type { RequestInfo } from '../request-info.js';
import { infoOf, type Stage } from './handler-chain.js';
import { TurnGate } from './turn-gate.js';

export interface Limits {
  /** kube's --max-requests-inflight (default 400). */
  maxInFlight: number;
  /** kube's --max-mutating-requests-inflight (default 200). */
  maxMutatingInFlight: number;
  /** kube's --request-timeout (default 60 s). */
  requestTimeoutMs: number;
  /** Timers for the time limit; tests pass a FakeClock. */
  timers: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Counted requests start a few per event-loop turn, keeping a turn near this (turn-gate.ts). */
  turnBudgetMs: number;
}

const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** kube's long-running request check: watches and the streaming subresources (`logs -f` may run for hours). */
const longRunningSubresources = new Set(['exec', 'log', 'attach', 'portforward', 'proxy']);

function isLongRunning(info: RequestInfo): boolean {
  return (
    info.kind === 'resource' &&
    (info.verb === 'watch' ||
      (info.subresource !== undefined && longRunningSubresources.has(info.subresource)))
  );
}

/** The users kube's system-leader-election and exempt levels serve before anyone else. */
const controlPlaneUsers = new Set(['system:kube-controller-manager', 'system:kube-scheduler']);
const renewalVerbs = new Set(['get', 'update', 'patch']);

function isHealthCheck(info: RequestInfo): boolean {
  return (
    info.kind === 'discovery' && healthPaths.some((p) => info.path === p || info.path.startsWith(`${p}/`))
  );
}

/** A node renewing its own heartbeat, or a kube-system component renewing its leader election. */
function isLeaseRenewal(info: RequestInfo, user: UserInfo | undefined): boolean {
  if (info.kind !== 'resource' || info.resource.plural !== 'leases' || !renewalVerbs.has(info.verb))
    return false;
  if (info.namespace === 'kube-node-lease') return !!user?.groups.includes(nodesGroup);
  return (
    info.namespace === 'kube-system' && !!user && user.name.startsWith('system:serviceaccount:kube-system:')
  );
}

export function isExempt(info: RequestInfo, user: UserInfo | undefined): boolean {
  return (
    !!user &&
    (user.groups.includes(mastersGroup) ||
      controlPlaneUsers.has(user.name) ||
      isHealthCheck(info) ||
      isLeaseRenewal(info, user))
  );
}

export function limitsStage(limits: Limits): Stage {
  const inFlight = { readOnly: 0, mutating: 0 };
  const gate = new TurnGate(limits.turnBudgetMs);
  return async (ctx, next) => {
    const info = infoOf(ctx);
    if (isLongRunning(info)) return next();
    if (isExempt(info, ctx.user)) return withTimeout(next(), info.query, limits);
    const pool = readOnlyMethods.has(ctx.req.method ?? 'GET') ? 'readOnly' : 'mutating';
    const max = pool === 'readOnly' ? limits.maxInFlight : limits.maxMutatingInFlight;
    if (inFlight[pool] >= max) {
      throw new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
        retryAfterSeconds: 1,
      });
    }
    inFlight[pool]++;
    try {
      // The time limit runs from admission: waiting for a turn is part of the request's time.
      await withTimeout(
        gate.turn().then(() => next()),
        info.query,
        limits,
      );
    } finally {
      inFlight[pool]--;
    }
  };
}

async function withTimeout(work: Promise<void>, query: URLSearchParams, limits: Limits): Promise<void> {
  const asked = query.get('timeout');
  const max = limits.requestTimeoutMs;
  const ms = asked ? Math.min(parseGoDuration(asked) ?? max, max) : max;
  let timer: TimerHandle | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = limits.timers.setTimeout(
      () => reject(statusErrors.timeout(`request did not complete within ${ms / 1000}s`)),
      ms,
    );
  });
  try {
    await Promise.race([work, limit]);
  } finally {
    if (timer) limits.timers.clearTimeout(timer);
  }
}

/** Parses the Go durations clients send in `?timeout=` (e.g. `32s`, `1m0s`, `500ms`). */
export function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched += m[0];
  }
  return matched === text && matched !== '' ? total : undefined;
}
