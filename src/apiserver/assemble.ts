// Builds the serving parts of an API server from its options and certificates: the store, the
// authenticators (bearer tokens, ServiceAccount tokens), the registry (which finds each kind's strategy in strategies/), the REST
// handlers, the kubelet client and the handler chain every request runs through. Nothing here
// listens or writes first-start state; see bootstrap.ts and listen.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { profiles } from '../api/profiles.js';
import { asStatusError } from '../api/status-error.js';
import { realClock } from '../client/clock.js';
import { rejectUpgrade } from '../client/remote-command.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import type { ApiServerOptions } from './api-server-options.js';
import { TokenAuthenticator } from './authn.js';
import { authnStage } from './chain/authn-stage.js';
import { authzStage } from './chain/authz-stage.js';
import { handlerChain, type RequestContext } from './chain/handler-chain.js';
import { impersonationStage } from './chain/impersonation-stage.js';
import { limitsStage } from './chain/limits-stage.js';
import { requestInfoStage } from './chain/request-info-stage.js';
import { type Compactor, startCompactor } from './compactor.js';
import { ContinueTokens } from './continue-token.js';
import { writeError } from './http-io.js';
import { KubeletClient } from './kubelet-client.js';
import { MetricsApi } from './metrics-api.js';
import { apiMux, serveUpgrade } from './mux.js';
import type { ServingPki } from './pki.js';
import { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import { RbacCache } from './rbac/rbac-cache.js';
import { Registry } from './registry.js';
import { ResourceHandlers } from './rest-handlers.js';
import { reviewCreates } from './reviews.js';
import { ServerMetrics } from './server-metrics.js';
import { ServiceAccountTokens } from './service-account-tokens.js';

export interface AssembledApiServer {
  store: Store;
  tokens: TokenAuthenticator;
  registry: Registry;
  /** Stopped when the server closes, before the store. */
  compactor: Compactor;
  requestTimeoutMs: number;
  serveRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Upgrades (pods/exec) have no response object: refusals are written on the raw socket. */
  serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export async function assembleApiServer(o: ApiServerOptions, pki: ServingPki): Promise<AssembledApiServer> {
  const clock = o.clock ?? realClock;
  const now = () => clock.now();
  const store = o.store ?? SqliteStore.open(join(o.dataDir, 'state.db'));
  const tokens = await TokenAuthenticator.open(store, { legacyFile: join(o.dataDir, 'tokens.json') });
  const registry = new Registry(store, now, o.profile ?? profiles.lab, {
    serviceAccount: o.serviceAccountAdmission ?? true,
  });
  const serviceAccountTokens = await ServiceAccountTokens.load(store, registry, now);
  const rbacCache = await RbacCache.start(store);
  const rbac = new RbacAuthorizer(rbacCache);
  const kubelets = new KubeletClient(registry, { caPem: pki.caPem, ...pki.kubeletClient });
  const metrics = new ServerMetrics();
  const handlers = new ResourceHandlers(registry, store, {
    kubelets,
    now,
    serviceAccountTokens,
    bookmarkIntervalMs: o.bookmarkIntervalMs ?? 10_000,
    watchTimeoutMs: o.watchTimeoutMs ?? (() => (30 + Math.random() * 30) * 60_000),
    checkWrite: (user, info, object) => rbac.checkWrite(user, info, object),
    virtualCreates: reviewCreates(rbac, serviceAccountTokens),
    continueTokens: await ContinueTokens.load(store),
    watchQueueEvents: o.watchQueueEvents ?? 1000,
    onWatcherTerminated: (r) => metrics.watcherTerminated(r),
  });
  const requestTimeoutMs = o.requestTimeoutMs ?? 60_000;
  const chain = handlerChain([
    requestInfoStage,
    authnStage([tokens, serviceAccountTokens]),
    impersonationStage(rbac),
    authzStage(registry, rbac),
    limitsStage({
      maxInFlight: o.maxRequestsInFlight ?? 400,
      maxMutatingInFlight: o.maxMutatingRequestsInFlight ?? 200,
      requestTimeoutMs,
      // Real timers even under a test's FakeClock: a request's time limit is wall time.
      timers: realClock,
      // A fifth of /readyz's 100 ms target: a health check waits about one turn at most.
      turnBudgetMs: 20,
    }),
  ]);
  const mux = apiMux({
    handlers,
    metricsApi: new MetricsApi(store, kubelets, now),
    serverMetrics: metrics,
    tokens,
    registry,
    ca: pki.ca,
    store,
    readiness: o.readinessChecks ?? new Map(),
  });
  const compactor = startCompactor(store, clock, o.compactionIntervalMs ?? 5 * 60_000, (m) =>
    process.stderr.write(`${new Date(clock.now()).toISOString()} apiserver: ${m}\n`),
  );
  return {
    store,
    tokens,
    registry,
    compactor,
    requestTimeoutMs,
    serveRequest(req, res) {
      const ctx: RequestContext = { req };
      chain(ctx, (c) => mux(c, res)).catch((e) => writeError(res, e));
    },
    serveUpgrade(req, socket, head) {
      const ctx: RequestContext = { req };
      chain(ctx, (c) => serveUpgrade(c, socket, head, registry, kubelets)).catch((e) =>
        rejectUpgrade(socket, asStatusError(e)),
      );
    },
  };
}
