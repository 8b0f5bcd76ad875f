// The API server's handler chain, stage by stage, without a socket: request info parsing,
// the order stages run in, and the limits stage's 429 and 504 on held requests and a FakeClock.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import type { UserInfo } from '../../src/apiserver/authn.js';
import { authzStage } from '../../src/apiserver/chain/authz-stage.js';
import { handlerChain, type RequestContext, type Stage } from '../../src/apiserver/chain/handler-chain.js';
import { type Limits, limitsStage, parseGoDuration } from '../../src/apiserver/chain/limits-stage.js';
import { requestInfoStage } from '../../src/apiserver/chain/request-info-stage.js';
import { writeError } from '../../src/apiserver/http-io.js';
import type { Registry } from '../../src/apiserver/registry.js';
import { resolveRequest } from '../../src/apiserver/request-info.js';
import { FakeClock } from '../../src/client/clock.js';
import { rbacFixture } from '../helpers/rbac-fixture.js';

const node: UserInfo = { name: 'system:node:w1', groups: ['system:nodes'] };
const admin: UserInfo = { name: 'kubelab-admin', groups: ['system:masters'] };

function context(method: string, url: string, user: UserInfo = node): RequestContext {
  return { req: { method, url, headers: {} } as IncomingMessage, info: resolveRequest(method, url), user };
}

/** A request the test holds open until it calls release(). */
function held(): { work: () => Promise<void>; release: () => void } {
  let release = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { work: () => done, release };
}

async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof StatusError)) throw new Error(`expected a StatusError, got ${String(e)}`);
  return e;
}

describe('request info', () => {
  it('names verb, resource, namespace, name and subresource', () => {
    expect(resolveRequest('GET', '/api/v1/namespaces/default/pods?watch=1')).toMatchObject({
      kind: 'resource',
      verb: 'watch',
      resource: resource.pods,
      namespace: 'default',
    });
    expect(resolveRequest('GET', '/api/v1/namespaces/default/pods')).toMatchObject({ verb: 'list' });
    expect(resolveRequest('PUT', '/apis/apps/v1/namespaces/a/deployments/web/scale')).toMatchObject({
      verb: 'update',
      resource: resource.deployments,
      name: 'web',
      subresource: 'scale',
    });
    expect(resolveRequest('DELETE', '/api/v1/namespaces/a/pods')).toMatchObject({ verb: 'deletecollection' });
    // /namespaces/{name}/finalize is the Namespace itself, not a resource inside it.
    expect(resolveRequest('PUT', '/api/v1/namespaces/team/finalize')).toMatchObject({
      resource: resource.namespaces,
      name: 'team',
      subresource: 'finalize',
    });
  });

  it('classifies discovery, the join and metrics APIs, and leaves unknown paths for the mux to refuse', () => {
    expect(resolveRequest('GET', '/apis/apps/v1')).toMatchObject({
      kind: 'discovery',
      group: 'apps',
      version: 'v1',
    });
    expect(resolveRequest('GET', '/healthz?verbose')).toMatchObject({ kind: 'discovery', path: '/healthz' });
    expect(resolveRequest('POST', '/apis/join.kubelab.dev/v1/jointokens')).toMatchObject({
      kind: 'join',
      rest: 'jointokens',
    });
    expect(resolveRequest('GET', '/apis/metrics.k8s.io/v1beta1/nodes/w1')).toMatchObject({
      kind: 'metrics',
      rest: 'nodes/w1',
    });
    expect(resolveRequest('GET', '/apis/metrics.k8s.io/v1beta1/')).toMatchObject({ kind: 'discovery' });
    const unknown = resolveRequest('GET', '/api/v1/widgets');
    expect(unknown.kind).toBe('unserved');
    expect(unknown.kind === 'unserved' && unknown.error.code).toBe(404);
    const method = resolveRequest('TRACE', '/api/v1/pods');
    expect(method.kind === 'unserved' && method.error.code).toBe(405);
  });

  it('is what the first stage puts in the context', async () => {
    const ctx: RequestContext = { req: { method: 'GET', url: '/api/v1/nodes/w1' } as IncomingMessage };
    await requestInfoStage(ctx, async () => {});
    expect(ctx.info).toMatchObject({ kind: 'resource', verb: 'get', resource: resource.nodes, name: 'w1' });
  });
});

describe('handler chain', () => {
  it('runs the stages in order and stops at the first that throws', async () => {
    const seen: string[] = [];
    const stage =
      (name: string, refuse = false): Stage =>
      async (_ctx, next) => {
        seen.push(name);
        if (refuse) throw new StatusError(403, 'Forbidden', name);
        return next();
      };
    const run = handlerChain([stage('info'), stage('authn'), stage('authz')]);
    await run(context('GET', '/api/v1/pods'), async () => {
      seen.push('mux');
    });
    expect(seen).toEqual(['info', 'authn', 'authz', 'mux']);
    seen.length = 0;
    const refusing = handlerChain([stage('info'), stage('authn', true), stage('authz')]);
    const e = await statusOf(refusing(context('GET', '/api/v1/pods'), async () => void seen.push('mux')));
    expect(e.code).toBe(403);
    expect(seen).toEqual(['info', 'authn']);
  });

  it('authorizes metrics.k8s.io as RBAC resources: pods metrics with view, nodes metrics cluster-wide only', async () => {
    const f = await rbacFixture();
    const authz = authzStage({} as Registry, f.rbac);
    const jane: UserInfo = { name: 'jane', groups: ['system:authenticated'] };
    const pass = (url: string, user: UserInfo) => authz(context('GET', url, user), async () => {});
    await expect(pass('/apis/metrics.k8s.io/v1beta1/nodes', admin)).resolves.toBe(undefined);
    const e = await statusOf(pass('/apis/metrics.k8s.io/v1beta1/nodes', jane));
    expect(e.message).toBe(
      'nodes.metrics.k8s.io is forbidden: User "jane" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope',
    );
    await f.bind('jane', 'view', 'a');
    await expect(pass('/apis/metrics.k8s.io/v1beta1/namespaces/a/pods', jane)).resolves.toBe(undefined);
    await expect(pass('/apis/metrics.k8s.io/v1beta1/namespaces/a/pods/web', jane)).resolves.toBe(undefined);
    expect((await statusOf(pass('/apis/metrics.k8s.io/v1beta1/namespaces/b/pods', jane))).code).toBe(403);
    // Discovery is a non-resource path every authenticated user may get.
    await expect(pass('/apis', jane)).resolves.toBe(undefined);
    expect((await statusOf(pass('/apis', { name: 'x', groups: [] }))).message).toBe(
      'forbidden: User "x" cannot get path "/apis"',
    );
    await f.close();
  });
});

describe('limits stage', () => {
  function limits(clock: FakeClock, over: Partial<Limits> = {}): Limits {
    return {
      maxInFlight: 2,
      maxMutatingInFlight: 1,
      requestTimeoutMs: 60_000,
      timers: clock,
      turnBudgetMs: 20,
      ...over,
    };
  }

  it('answers 429 with a retry hint once the in-flight seats are taken, and frees them when requests end', async () => {
    const stage = limitsStage(limits(new FakeClock()));
    const a = held();
    const b = held();
    const first = stage(context('GET', '/api/v1/pods'), a.work);
    const second = stage(context('GET', '/api/v1/nodes'), b.work);
    const refused = await statusOf(stage(context('GET', '/api/v1/services'), async () => {}));
    expect(refused.code).toBe(429);
    expect(refused.reason).toBe('TooManyRequests');
    expect(refused.details?.retryAfterSeconds).toBe(1);
    // Mutating requests have their own seats.
    const write = held();
    const writing = stage(context('POST', '/api/v1/namespaces/a/configmaps'), write.work);
    expect(
      (await statusOf(stage(context('DELETE', '/api/v1/namespaces/a/pods/x'), async () => {}))).code,
    ).toBe(429);
    a.release();
    await first;
    await expect(stage(context('GET', '/api/v1/services'), async () => {})).resolves.toBe(undefined);
    b.release();
    write.release();
    await Promise.all([second, writing]);
  });

  it('counts neither watches nor system:masters', async () => {
    const stage = limitsStage(limits(new FakeClock(), { maxInFlight: 1 }));
    const watch = held();
    const watching = stage(context('GET', '/api/v1/pods?watch=1'), watch.work);
    const read = held();
    const reading = stage(context('GET', '/api/v1/pods'), read.work);
    await expect(stage(context('GET', '/api/v1/pods', admin), async () => {})).resolves.toBe(undefined);
    expect((await statusOf(stage(context('GET', '/api/v1/pods'), async () => {}))).code).toBe(429);
    watch.release();
    read.release();
    await Promise.all([watching, reading]);
  });

  it('serves health checks, lease renewals and the control-plane identities when every seat is taken', async () => {
    const stage = limitsStage(limits(new FakeClock(), { maxInFlight: 1, maxMutatingInFlight: 1 }));
    const read = held();
    const write = held();
    const reading = stage(context('GET', '/api/v1/pods'), read.work);
    const writing = stage(context('POST', '/api/v1/namespaces/a/configmaps'), write.work);
    const served = (c: RequestContext) => expect(stage(c, async () => {})).resolves.toBe(undefined);
    const refused = async (c: RequestContext) =>
      expect((await statusOf(stage(c, async () => {}))).code).toBe(429);
    await served(context('GET', '/readyz'));
    await served(context('GET', '/livez/ping'));
    await served(context('GET', '/healthz?verbose'));
    const leases = '/apis/coordination.k8s.io/v1/namespaces';
    await served(context('PUT', `${leases}/kube-node-lease/leases/w1`));
    await served(context('PATCH', `${leases}/kube-node-lease/leases/w1`));
    await served(context('GET', `${leases}/kube-node-lease/leases/w1`));
    const kubeSystemSa: UserInfo = { name: 'system:serviceaccount:kube-system:dns', groups: [] };
    await served(context('PUT', `${leases}/kube-system/leases/dns-leader`, kubeSystemSa));
    for (const name of ['system:kube-controller-manager', 'system:kube-scheduler'])
      await served(context('POST', '/api/v1/namespaces/a/events', { name, groups: [] }));
    // Only renewals: creating leases, other namespaces, other callers still wait their turn.
    await refused(context('POST', `${leases}/kube-node-lease/leases`));
    await refused(context('PUT', `${leases}/default/leases/w1`));
    await refused(context('PUT', `${leases}/kube-system/leases/x`, { name: 'alice', groups: [] }));
    await refused(context('GET', '/version'));
    read.release();
    write.release();
    await Promise.all([reading, writing]);
  });

  it('answers 504 Timeout when a request outlives its limit, or the shorter ?timeout= it asked for', async () => {
    const clock = new FakeClock();
    const stage = limitsStage(limits(clock));
    const slow = held();
    let answered = false;
    const answer = statusOf(stage(context('GET', '/api/v1/pods'), slow.work)).finally(() => {
      answered = true;
    });
    clock.step(59_999);
    await new Promise(setImmediate);
    expect(answered).toBe(false);
    clock.step(1);
    const e = await answer;
    expect(e.code).toBe(504);
    expect(e.reason).toBe('Timeout');
    expect(e.message).toBe('request did not complete within 60s');

    const asked = statusOf(stage(context('GET', '/api/v1/pods?timeout=1m30s'), slow.work));
    clock.step(60_000);
    expect((await asked).message).toBe('request did not complete within 60s');
    const shorter = statusOf(stage(context('GET', '/api/v1/pods?timeout=5s'), slow.work));
    clock.step(5_000);
    expect((await shorter).message).toBe('request did not complete within 5s');
    slow.release();
    // A finished request leaves no timer behind; a watch never gets one.
    await stage(context('GET', '/api/v1/pods'), async () => {});
    const watching = stage(context('GET', '/api/v1/pods?watch=1'), slow.work);
    await watching;
    expect(clock.pendingTimers()).toBe(0);
  });

  it('neither times nor counts streaming subresources: a followed log outlives the time limit', async () => {
    const clock = new FakeClock();
    const stage = limitsStage(limits(clock, { maxInFlight: 1 }));
    const follow = held();
    let ended = false;
    const following = stage(
      context('GET', '/api/v1/namespaces/a/pods/web/log?follow=true'),
      follow.work,
    ).finally(() => {
      ended = true;
    });
    expect(clock.pendingTimers()).toBe(0);
    clock.step(10 * 60_000);
    await new Promise(setImmediate);
    expect(ended).toBe(false);
    await expect(stage(context('GET', '/api/v1/pods'), async () => {})).resolves.toBe(undefined);
    follow.release();
    await following;
  });

  it('has the 429 answer carry a Retry-After header', () => {
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    writeError(res, new StatusError(429, 'TooManyRequests', 'busy', { retryAfterSeconds: 1 }));
    expect(res.statusCode).toBe(429);
    expect(res.getHeader('Retry-After')).toBe('1');
  });

  it('reads Go durations as clients send them', () => {
    expect(parseGoDuration('32s')).toBe(32_000);
    expect(parseGoDuration('1m0s')).toBe(60_000);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('5s and more')).toBeUndefined();
  });
});
