// The last handler of the chain: which code serves a request, looked up by the kind of
// request the request info stage found, then (for non-resource paths) by exact path.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resource } from '../api/resources.js';
import { statusErrors } from '../api/status-error.js';
import type { Store } from '../store/store.js';
import type { TokenAuthenticator } from './authn.js';
import { infoOf, type RequestContext, userOf } from './chain/handler-chain.js';
import { serveDiscovery, versionDoc } from './discovery.js';
import { healthPaths, serveHealth } from './health.js';
import { writeJson } from './http-io.js';
import { serveJoin } from './join.js';
import type { KubeletClient } from './kubelet-client.js';
import type { MetricsApi } from './metrics-api.js';
import type { ClusterCa } from './pki.js';
import { proxyPodExec } from './pod-exec-proxy.js';
import type { Registry } from './registry.js';
import { decodePathSegments, type RequestInfo } from './request-info.js';
import type { ResourceHandlers } from './rest-handlers.js';
import type { ServerMetrics } from './server-metrics.js';

export interface MuxParts {
  handlers: ResourceHandlers;
  metricsApi: MetricsApi;
  serverMetrics: ServerMetrics;
  tokens: TokenAuthenticator;
  registry: Registry;
  /** Signs kubelets' serving certificates (the join API's servingcertificates). */
  ca: ClusterCa;
  store: Store;
  readiness: ReadonlyMap<string, () => boolean>;
  /** The status of a TokenReview (token-review.ts). */
}

type Route<K extends RequestInfo['kind']> = (
  ctx: RequestContext,
  res: ServerResponse,
  info: RequestInfo & { kind: K },
) => Promise<void> | void;

const version: Route<'discovery'> = (_ctx, res) => writeJson(res, 200, versionDoc());
const discovery: Route<'discovery'> = (ctx, res, info) => serveDiscovery(ctx.req, res, info);

export function apiMux(parts: MuxParts): (ctx: RequestContext, res: ServerResponse) => Promise<void> {
  const nonResource = new Map<string, Route<'discovery'>>([
    ...healthPaths.map((path): [string, Route<'discovery'>] => [
      path,
      (ctx, res) =>
        serveHealth(res, path, (ctx.req.url ?? '').includes('verbose'), parts.store, parts.readiness),
    ]),
    ['/version', version],
    ['/version/', version],
    [
      '/metrics',
      // Who may read it is RBAC's (a non-resource path no default role grants but
      // cluster-admin's, as in kube): the authorization stage has checked.
      async (_ctx, res) => {
        const text = await parts.serverMetrics.text(parts.store);
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(text);
      },
    ],
  ]);
  const routes: { [K in RequestInfo['kind']]: Route<K> } = {
    resource: (ctx, res, info) => parts.handlers.handle(ctx.req, res, info, userOf(ctx)),
    discovery: (ctx, res, info) => (nonResource.get(info.path) ?? discovery)(ctx, res, info),
    join: (ctx, res, info) =>
      serveJoin(ctx.req, res, info.rest, userOf(ctx), parts.tokens, parts.registry, parts.ca),
    metrics: (ctx, res, info) =>
      parts.metricsApi.handle(ctx.req, res, decodePathSegments(info.rest), info.query),
    unserved: (_ctx, _res, info) => {
      throw info.error;
    },
  };
  return async (ctx, res) => {
    const info = infoOf(ctx);
    await (routes[info.kind] as Route<typeof info.kind>)(ctx, res, info);
  };
}

/** The last handler for upgraded connections: only pods/exec is served that way. */
export async function serveUpgrade(
  ctx: RequestContext,
  socket: Duplex,
  head: Buffer,
  registry: Registry,
  kubelets: KubeletClient,
): Promise<void> {
  const info = infoOf(ctx);
  if (info.kind === 'unserved') throw info.error;
  if (
    info.kind !== 'resource' ||
    info.resource !== resource.pods ||
    info.subresource !== 'exec' ||
    !info.name
  )
    throw statusErrors.badRequest(`no upgrade is served at ${(ctx.req.url ?? '/').split('?')[0]}`);
  await proxyPodExec(
    ctx.req,
    socket,
    head,
    registry,
    kubelets,
    info.namespace ?? 'default',
    info.name,
    info.query,
  );
}
