// The API server process: HTTPS only, bearer tokens, Kubernetes REST paths. It owns the
// store handle and the certificates; every other component (scheduler, controllers, agents,
// CLI, TUI) is a client. On first start it creates the CA, the serving certificate, an admin
// token and `<data-dir>/admin.kubeconfig`, plus the `default`, `kube-system`, `kube-public`
// and `kube-node-lease` namespaces.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type Profile, profileConfigMap, profiles, profileToData } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { asStatusError, StatusError, statusErrors } from '../api/status-error.js';
import { type Clock, realClock } from '../client/clock.js';
import { buildKubeconfig, loadKubeconfig } from '../client/kubeconfig.js';
import { rejectUpgrade } from '../client/remote-command.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import { TokenAuthenticator } from './authn.js';
import { authorize, mastersGroup, nodesGroup } from './authz.js';
import {
  apiGroupDoc,
  apiGroupListDoc,
  apiResourceListDoc,
  apiVersionsDoc,
  openApiV3GroupVersionDoc,
  openApiV3RootDoc,
  versionDoc,
} from './discovery.js';
import { writeError, writeJson } from './http-io.js';
import { joinApiPrefix, serveJoin } from './join.js';
import { MetricsApi } from './metrics-api.js';
import { proxyPodExec } from './pod-exec-proxy.js';
import { Registry } from './registry.js';
import { parseRequestInfo } from './request-info.js';
import { ResourceHandlers } from './rest-handlers.js';

export interface ApiServerOptions {
  dataDir: string;
  /** Address to listen on; default 0.0.0.0. */
  host?: string;
  /** Port; default 6443; 0 picks a free port. */
  port?: number;
  /** Extra names and addresses the serving certificate must cover. */
  extraSans?: string[];
  clock?: Clock;
  /** Per-request time limit for everything but watches (kube's default is 60 s). */
  requestTimeoutMs?: number;
  bookmarkIntervalMs?: number;
  /** Watches end after this long unless the client asked for less (kube: random 30-60 min). */
  watchTimeoutMs?: () => number;
  /** Use this store instead of `<data-dir>/state.db` (tests). */
  store?: Store;
  /** Name used in the kubeconfig's cluster/context entries. */
  clusterName?: string;
  /** Health checks the process adds (e.g. scheduler, controller manager): name -> healthy? */
  readinessChecks?: Map<string, () => boolean>;
  /** Timing profile (default lab); published in kube-system/kubelab-profile. */
  profile?: Profile;
}

export interface ApiServer {
  url: string;
  port: number;
  adminKubeconfigPath: string;
  adminToken: string;
  caPem: string;
  store: Store;
  close(): Promise<void>;
}

const bootstrapNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const clock = o.clock ?? realClock;
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const host = o.host ?? '0.0.0.0';
  const sans = [hostname(), ...(host !== '0.0.0.0' && host !== '::' ? [host] : []), ...(o.extraSans ?? [])];
  // Loaded on demand: the X.509 stack is only needed by the server, not by every CLI command.
  const { ensureServingPki } = await import('./pki.js');
  const pki = await ensureServingPki(join(o.dataDir, 'pki'), sans);
  const store = o.store ?? SqliteStore.open(join(o.dataDir, 'state.db'));
  const tokens = await TokenAuthenticator.load(join(o.dataDir, 'tokens.json'));
  const profile = o.profile ?? profiles.lab;
  const registry = new Registry(store, () => clock.now(), profile);
  const handlers = new ResourceHandlers(registry, store, {
    now: () => clock.now(),
    bookmarkIntervalMs: o.bookmarkIntervalMs ?? 10_000,
    watchTimeoutMs: o.watchTimeoutMs ?? (() => (30 + Math.random() * 30) * 60_000),
  });
  const metricsApi = new MetricsApi(store, () => clock.now());
  const requestTimeoutMs = o.requestTimeoutMs ?? 60_000;
  const readiness = o.readinessChecks ?? new Map<string, () => boolean>();

  await bootstrapObjects(registry, profile);

  const server: Server = createServer({ cert: pki.certPem, key: pki.keyPem, ca: pki.caPem }, (req, res) => {
    void route(req, res);
  });
  // Upgrades (pods/exec) get no response object: refusals are written on the raw socket.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((e) => rejectUpgrade(socket, asStatusError(e)));
  });
  // Slow or stuck uploads must not hold connections forever; responses have their own limit.
  server.headersTimeout = 15_000;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = 65_000;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const user = tokens.authenticate(req.headers.authorization);
      if (!user) throw statusErrors.unauthorized();
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? '/';
      if (path === '/healthz' || path === '/livez' || path === '/readyz') return health(res, path, url);
      if (path === '/version' || path === '/version/') return writeJson(res, 200, versionDoc());
      if (path.startsWith(joinApiPrefix))
        return await withTimeout(
          serveJoin(req, res, path.slice(joinApiPrefix.length), user, tokens),
          new URLSearchParams(),
        );
      const metrics = /^\/apis\/metrics\.k8s\.io\/v1beta1\/(.+)$/.exec(path);
      if (metrics?.[1] && !user.groups.includes(mastersGroup) && !user.groups.includes(nodesGroup))
        throw new StatusError(403, 'Forbidden', `User "${user.name}" cannot read metrics.k8s.io`);
      if (metrics?.[1])
        return await withTimeout(
          metricsApi.handle(
            req,
            res,
            metrics[1].split('/').filter(Boolean).map(decodeURIComponent),
            new URL(url, 'https://x').searchParams,
          ),
          new URLSearchParams(),
        );
      const info = parseRequestInfo(req.method ?? 'GET', url);
      if (info.kind === 'discovery') return discovery(req, res, info.path, info.group, info.version);
      await authorize(user, info, registry);
      if (info.verb === 'watch') return await handlers.handle(req, res, info, user);
      await withTimeout(handlers.handle(req, res, info, user), info.query);
    } catch (e) {
      writeError(res, e);
    }
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const user = tokens.authenticate(req.headers.authorization);
    if (!user) throw statusErrors.unauthorized();
    const info = parseRequestInfo(req.method ?? 'GET', req.url ?? '/');
    if (info.kind !== 'resource' || info.resource.kind !== 'Pod' || info.subresource !== 'exec' || !info.name)
      throw statusErrors.badRequest(`no upgrade is served at ${(req.url ?? '/').split('?')[0]}`);
    await authorize(user, info, registry);
    await proxyPodExec(req, socket, head, registry, info.namespace ?? 'default', info.name, info.query);
  }

  async function withTimeout(work: Promise<void>, query: URLSearchParams): Promise<void> {
    const asked = query.get('timeout');
    const ms = asked
      ? Math.min(parseGoDuration(asked) ?? requestTimeoutMs, requestTimeoutMs)
      : requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(statusErrors.timeout(`request did not complete within ${ms / 1000}s`)),
        ms,
      );
    });
    try {
      await Promise.race([work, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  function health(res: ServerResponse, path: string, url: string) {
    const checks: [string, boolean][] = [['ping', true]];
    let storeOk = true;
    try {
      store.currentRevision();
    } catch {
      storeOk = false;
    }
    checks.push(['store', storeOk]);
    if (path === '/readyz') for (const [name, check] of readiness) checks.push([name, check()]);
    const ok = checks.every(([, v]) => v);
    const verbose = url.includes('verbose');
    const text = verbose
      ? `${checks.map(([n, v]) => `[${v ? '+' : '-'}]${n} ${v ? 'ok' : 'failed'}`).join('\n')}\n${path.slice(1)} check ${ok ? 'passed' : 'failed'}\n`
      : ok
        ? 'ok'
        : `${checks
            .filter(([, v]) => !v)
            .map(([n]) => `[-]${n} failed`)
            .join('\n')}\n${path.slice(1)} check failed`;
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  }

  function discovery(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    group?: string,
    version?: string,
  ) {
    const clean = path.replace(/\/+$/, '');
    let doc: unknown;
    if (clean === '/api') doc = apiVersionsDoc(req.headers.host ?? 'localhost:6443');
    else if (clean === '/apis') doc = apiGroupListDoc();
    else if (clean.startsWith('/api/') || clean.startsWith('/apis/')) {
      if (version) doc = apiResourceListDoc(group ?? '', version);
      else if (group) doc = apiGroupDoc(group);
    } else if (clean === '/openapi/v3') doc = openApiV3RootDoc();
    else if (clean.startsWith('/openapi/v3/'))
      doc = openApiV3GroupVersionDoc(clean.slice('/openapi/v3/'.length));
    else if (clean === '')
      doc = {
        paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version', '/openapi/v3'],
      };
    if (doc === undefined)
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    writeJson(res, 200, doc);
  }

  const port = o.port ?? 6443;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `https://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${actualPort}`;

  // The admin credential is created once; later starts keep the existing kubeconfig's token
  // valid and rewrite the file only to refresh the server address.
  const adminKubeconfigPath = join(o.dataDir, 'admin.kubeconfig');
  const adminToken = await adminTokenFor(adminKubeconfigPath, tokens);
  await writeFile(
    adminKubeconfigPath,
    buildKubeconfig({
      server: url,
      caData: pki.caPem,
      token: adminToken,
      clusterName: o.clusterName ?? 'kubelab',
    }),
    { mode: 0o600 },
  );

  return {
    url,
    port: actualPort,
    adminKubeconfigPath,
    adminToken,
    caPem: pki.caPem,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** Creates what every cluster has (namespaces) and publishes the active profile. */
async function bootstrapObjects(registry: Registry, profile: Profile): Promise<void> {
  const nsInfo = resource.namespaces;
  for (const name of bootstrapNamespaces) {
    try {
      await registry.create(nsInfo, undefined, { metadata: { name } });
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
  }
  const cmInfo = resource.configMaps;
  const profileObject = {
    metadata: { name: profileConfigMap.name, namespace: profileConfigMap.namespace },
    data: profileToData(profile),
  };
  try {
    await registry.create(cmInfo, profileConfigMap.namespace, profileObject);
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    await registry.update(cmInfo, profileConfigMap.namespace, profileConfigMap.name, profileObject);
  }
}

/** Keeps the token of an existing admin.kubeconfig valid across restarts; issues one otherwise. */
async function adminTokenFor(kubeconfigPath: string, tokens: TokenAuthenticator): Promise<string> {
  if (existsSync(kubeconfigPath)) {
    const existing = loadKubeconfig(kubeconfigPath).token;
    if (existing && tokens.authenticate(`Bearer ${existing}`)) return existing;
  }
  return tokens.issue({ name: 'kubelab-admin', groups: ['system:masters'] });
}

/** Parses the Go durations clients send in `?timeout=` (e.g. `32s`, `1m0s`, `500ms`). */
function parseGoDuration(text: string): number | undefined {
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
