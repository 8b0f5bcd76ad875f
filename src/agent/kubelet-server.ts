// The agent's HTTPS endpoint (the kubelet's port 10250): what the API server proxies
// pods/{name}/log to. TLS with a certificate made at start-up; the caller is whoever the API
// server says its bearer token is: a request for a pod's logs is allowed when that token may
// read the pod (GET on the API server with the caller's own token, answers cached 10 s), so the
// agent holds no user list and a token revoked on the API server stops working here too.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import { type Clock, realClock } from '../client/clock.js';
import type { KubeConfig } from '../client/kubeconfig.js';
import { ApiClient } from '../client/rest-client.js';
import { selfSignedCert } from '../client/self-signed-cert.js';
import { logContainerId, parseLogRequest } from './container-logs.js';
import type { ContainerRuntime } from './runtime/runtime.js';

const podInfo = resources.find((r) => r.kind === 'Pod')!;
export const defaultKubeletPort = 10250;
const authCacheTtlMs = 10_000;

export interface KubeletServerOptions {
  /** The API server callers' tokens are checked against (its URL and CA; the token is ignored). */
  apiServer: KubeConfig;
  /** The agent's own client: reads the pod's current status (its container IDs). */
  client: ApiClient;
  /** The runtime running the pods bound to `nodeName` (one process may host many nodes). */
  runtimeFor(nodeName: string): ContainerRuntime | undefined;
  /** Address to listen on (default 0.0.0.0) and port (default 10250; 0 picks a free one). */
  host?: string;
  port?: number;
  /** Names and addresses the certificate covers (the node's InternalIP, its hostname). */
  addresses?: string[];
  clock?: Clock;
}

function writeStatus(res: ServerResponse, e: unknown): void {
  const se = e instanceof StatusError ? e : statusErrors.internal((e as Error)?.message ?? String(e));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(se.toStatus());
  res.writeHead(se.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export class KubeletServer {
  /** sha256(token) + "ns/pod" -> when the positive answer expires. */
  private readonly allowed = new Map<string, number>();
  private readonly clock: Clock;

  private constructor(
    private readonly o: KubeletServerOptions,
    private readonly server: Server,
  ) {
    this.clock = o.clock ?? realClock;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(o: KubeletServerOptions): Promise<KubeletServer> {
    const { certPem, keyPem } = await selfSignedCert('kubelab-kubelet', [
      'localhost',
      '127.0.0.1',
      ...(o.addresses ?? []),
    ]);
    const server = createServer({ cert: certPem, key: keyPem });
    const kubelet = new KubeletServer(o, server);
    server.on('request', (req, res) => void kubelet.route(req, res).catch((e) => writeStatus(res, e)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? defaultKubeletPort, o.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return kubelet;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet.invalid');
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw statusErrors.unauthorized();
    if (req.method !== 'GET' || parts[0] !== 'containerLogs' || parts.length !== 4)
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const [, namespace, podName, container] = parts as [string, string, string, string];
    const request = parseLogRequest(url.searchParams);
    await this.authorize(token, namespace, podName);
    const pod = await this.o.client.resource<Pod>(podInfo, namespace).get(podName);
    const runtime = this.o.runtimeFor(pod.spec?.nodeName ?? '');
    if (!runtime)
      throw new StatusError(
        404,
        'NotFound',
        `pod "${podName}" in namespace "${namespace}" does not run on this node`,
      );
    const id = logContainerId(pod, container, request.previous);
    // The status may name a container the runtime already removed (the agent removes an
    // exited container when it starts the next attempt).
    if (!(await runtime.containerStatus(id))) {
      throw statusErrors.badRequest(
        request.previous
          ? `previous terminated container "${container}" in pod "${podName}" not found`
          : `container "${container}" in pod "${podName}" is waiting to start - no logs yet`,
      );
    }
    const logs = await runtime.logs(id, request.options);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    // A follower waits on the headers before the first line arrives.
    res.flushHeaders();
    // pipeline gives back-pressure and, when the reader goes away, destroys the log stream.
    pipeline(logs, res, () => {});
  }

  /** Allowed when the caller's token may GET the pod on the API server. */
  private async authorize(token: string, namespace: string, podName: string): Promise<void> {
    const key = `${createHash('sha256').update(token).digest('hex')} ${namespace}/${podName}`;
    const now = this.clock.now();
    if ((this.allowed.get(key) ?? 0) > now) return;
    const asCaller = new ApiClient({ ...this.o.apiServer, token });
    try {
      await asCaller.resource<Pod>(podInfo, namespace).get(podName);
    } catch (e) {
      if (e instanceof StatusError && (e.code === 401 || e.code === 403 || e.code === 404)) throw e;
      throw statusErrors.unavailable(
        `cannot check the caller's credentials with the API server: ${(e as Error).message}`,
      );
    } finally {
      asCaller.close();
    }
    for (const [k, expires] of this.allowed) if (expires <= now) this.allowed.delete(k);
    this.allowed.set(key, now + authCacheTtlMs);
  }
}
