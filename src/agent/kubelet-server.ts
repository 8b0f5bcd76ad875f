// The agent's HTTPS endpoint (the kubelet's port 10250): what the API server proxies
// pods/{name}/log (GET /containerLogs/ns/pod/container) and pods/{name}/exec (a WebSocket
// upgrade of /exec/ns/pod/container?command=...) to. TLS with a certificate made at start-up;
// the caller is whoever the API server says its bearer token is: a request is allowed when
// that token may read the pod (GET on the API server with the caller's own token, answers
// cached 10 s), so the agent holds no user list and a token revoked on the API server stops
// working here too.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Duplex, pipeline } from 'node:stream';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { WebSocketServer } from 'ws';
import { resource } from '../api/resources.js';
import type { StatsSummary } from '../api/stats-summary.js';
import { asStatusError, StatusError, statusErrors } from '../api/status-error.js';
import { type Clock, realClock } from '../client/clock.js';
import type { KubeConfig } from '../client/kubeconfig.js';
import { execProtocols, rejectUpgrade } from '../client/remote-command.js';
import { ApiClient } from '../client/rest-client.js';
import { selfSignedCert } from '../client/self-signed-cert.js';
import { logContainerId, parseLogRequest } from './container-logs.js';
import { bridgeExec } from './exec-stream.js';
import { type ContainerRuntime, type ExecSession, runtimeContainerId } from './runtime/runtime.js';

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
  /** The node's last usage sample (GET /stats/summary); absent where nothing is sampled. */
  stats?(): StatsSummary | undefined;
  /** Names and addresses the certificate covers (the node's InternalIP, its hostname). */
  addresses?: string[];
  clock?: Clock;
}

function writeStatus(res: ServerResponse, e: unknown): void {
  const se = asStatusError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(se.toStatus());
  res.writeHead(se.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const notFound = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource');

/** The caller's bearer token; every endpoint here needs one. */
function bearerToken(req: IncomingMessage): string {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!token) throw statusErrors.unauthorized();
  return token;
}

/** `?stdin=true` / `?tty=1`, as the kubelet reads its exec flags. */
const flag = (q: URLSearchParams, name: string) => ['true', '1'].includes(q.get(name) ?? '');

/** A request for one container: /{verb}/{namespace}/{pod}/{container}. */
interface ContainerRequest {
  url: URL;
  namespace: string;
  podName: string;
  container: string;
  token: string;
}

export class KubeletServer {
  /** sha256(token) + "ns/pod" -> when the positive answer expires. */
  private readonly allowed = new Map<string, number>();
  private readonly clock: Clock;
  private readonly wss = new WebSocketServer({
    noServer: true,
    // Only the channel protocols: a client offering none of them cannot read our frames.
    handleProtocols: (offered) => execProtocols.find((p) => offered.has(p)) ?? false,
  });

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
    server.on('upgrade', (req, socket, head) => {
      kubelet.upgrade(req, socket, head).catch((e) => rejectUpgrade(socket, asStatusError(e)));
    });
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
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The verb, container and caller of /{verb}/{namespace}/{pod}/{container}. */
  private containerRequest(req: IncomingMessage, verb: string): ContainerRequest {
    const url = new URL(req.url ?? '/', 'https://kubelet.invalid');
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const token = bearerToken(req);
    if (parts[0] !== verb || parts.length !== 4) throw notFound();
    const [, namespace, podName, container] = parts as [string, string, string, string];
    return { url, namespace, podName, container, token };
  }

  /** The pod (after checking the caller may read it) and the runtime running it here. */
  private async podHere(r: ContainerRequest): Promise<{ pod: Pod; runtime: ContainerRuntime }> {
    await this.authorize(r.token, r.namespace, r.podName);
    const pod = await this.o.client.resource<Pod>(resource.pods, r.namespace).get(r.podName);
    const runtime = this.o.runtimeFor(pod.spec?.nodeName ?? '');
    if (!runtime)
      throw new StatusError(
        404,
        'NotFound',
        `pod "${r.podName}" in namespace "${r.namespace}" does not run on this node`,
      );
    return { pod, runtime };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') throw notFound();
    if ((req.url ?? '').split('?')[0] === '/stats/summary') return this.serveStats(req, res);
    const r = this.containerRequest(req, 'containerLogs');
    const { podName, container } = r;
    const request = parseLogRequest(r.url.searchParams);
    const { pod, runtime } = await this.podHere(r);
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

  /** GET /stats/summary: the node's and its pods' usage, for callers that may read the Node. */
  private async serveStats(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = bearerToken(req);
    const summary = this.o.stats?.();
    if (!summary)
      throw statusErrors.unavailable(
        'no usage sampled yet: the agent takes its second sample a few seconds after start',
      );
    await this.authorize(token, undefined, summary.node.nodeName);
    const text = JSON.stringify(summary);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** /exec/{namespace}/{pod}/{container}?command=...&stdin=&tty=: a WebSocket to a command in the container. */
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const r = this.containerRequest(req, 'exec');
    const q = r.url.searchParams;
    const command = q.getAll('command');
    if (command.length === 0)
      throw statusErrors.badRequest('you must specify at least one command for the container');
    const { pod, runtime } = await this.podHere(r);
    const running = [
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.initContainerStatuses ?? []),
    ].find((c) => c.name === r.container && c.state?.running);
    const id = runtimeContainerId(running?.containerID);
    // Past authorization, refusals travel inside the stream as the final Status: a refused
    // upgrade would make kubectl retry with SPDY and print the answer to that instead.
    const session: Promise<ExecSession> = !runtime.exec
      ? Promise.reject(
          new Error(
            `node "${pod.spec?.nodeName}" is SIMULATED: its containers are not real processes, so there is nothing to exec into`,
          ),
        )
      : !id
        ? Promise.reject(
            new Error(
              `container ${r.container} is not running in pod ${r.podName} (see kubelab describe pod ${r.podName})`,
            ),
          )
        : runtime.exec(id, { command, stdin: flag(q, 'stdin'), tty: flag(q, 'tty') });
    // Handled when the socket is open; until then a failure is only held.
    session.catch(() => {});
    this.wss.handleUpgrade(req, socket, head, (ws) => bridgeExec(ws, session, command));
  }

  /** Allowed when the caller's token may GET the pod (or, without a namespace, the Node) on the API server. */
  private async authorize(token: string, namespace: string | undefined, name: string): Promise<void> {
    const key = `${createHash('sha256').update(token).digest('hex')} ${namespace ?? ''}/${name}`;
    const now = this.clock.now();
    if ((this.allowed.get(key) ?? 0) > now) return;
    const asCaller = new ApiClient({ ...this.o.apiServer, token });
    try {
      if (namespace) await asCaller.resource<Pod>(resource.pods, namespace).get(name);
      else await asCaller.resource<Node>(resource.nodes).get(name);
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
