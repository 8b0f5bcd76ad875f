// The agent's HTTPS endpoint (the kubelet's port 10250): what the API server proxies
// pods/{name}/log (GET /containerLogs/ns/pod/container), pods/{name}/exec (a WebSocket upgrade
// of /exec/ns/pod/container?command=...) and metrics (GET /stats/summary) to.
//
// Both ends prove who they are with certificates of the cluster CA. The kubelet serves with a
// certificate issued to its node (kubelet-serving-cert.ts), which the API server checks before
// it sends anything. The only caller it answers is the API server, recognised by its client
// certificate (`kube-apiserver-kubelet-client`); no certificate or another one is 401/403.
// Whether the person behind a request may read that pod's logs or exec into it was decided
// by the API server before it proxied: kube's model with the kubelet's webhook authorization
// (a SubjectAccessReview per request) reduced to "the API server has already asked". So the
// kubelet holds no user list and never sees a user's token.
//
// One listener may serve several nodes of one process (SIMULATED ones): the API server names
// the node it wants in SNI, and the listener answers with that node's certificate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Duplex, pipeline } from 'node:stream';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { WebSocketServer } from 'ws';
import { resource } from '../api/resources.js';
import type { StatsSummary } from '../api/stats-summary.js';
import { asStatusError, StatusError, statusErrors } from '../api/status-error.js';
import { execProtocols, rejectUpgrade } from '../client/remote-command.js';
import type { ApiClient } from '../client/rest-client.js';
import { kubeletClientCommonName } from '../client/x509-keys.js';
import { logContainerId, parseLogRequest } from './container-logs.js';
import { bridgeExec } from './exec-stream.js';
import { type ContainerRuntime, type ExecSession, runtimeContainerId } from './runtime/runtime.js';

export const defaultKubeletPort = 10250;

/** A node's serving certificate and key (PEM), issued by the cluster CA. */
export interface KubeletServingCertificate {
  certPem: string;
  keyPem: string;
}

export interface KubeletServerOptions {
  /** The cluster CA: a caller must present a client certificate it issued. */
  clusterCaPem: string;
  /** Each node served here and its serving certificate; the first answers a request without SNI. */
  certificates: ReadonlyMap<string, KubeletServingCertificate>;
  /** A node's client: reads the pod's current status (its container IDs). */
  client: ApiClient;
  /** The runtime running the pods bound to `nodeName` (one process may host many nodes). */
  runtimeFor(nodeName: string): ContainerRuntime | undefined;
  /** Address to listen on (default 0.0.0.0) and port (default 10250; 0 picks a free one). */
  host?: string;
  port?: number;
  /** The node's last usage sample (GET /stats/summary); absent where nothing is sampled. */
  stats?(nodeName: string): StatsSummary | undefined;
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

/** Every request must come from the API server, as its client certificate shows. */
function authenticateApiServer(req: IncomingMessage): void {
  const socket = req.socket as TLSSocket;
  const subject = socket.getPeerCertificate().subject;
  // `authorized`: the handshake verified a client certificate against the cluster CA.
  if (!socket.authorized || !subject) throw statusErrors.unauthorized();
  if (subject.CN !== kubeletClientCommonName)
    throw statusErrors.forbidden(
      `User "${subject.CN}" cannot use the kubelet API: only the API server (${kubeletClientCommonName}) may`,
    );
}

/** `?stdin=true` / `?tty=1`, as the kubelet reads its exec flags. */
const flag = (q: URLSearchParams, name: string) => ['true', '1'].includes(q.get(name) ?? '');

/** A request for one container: /{verb}/{namespace}/{pod}/{container}. */
interface ContainerRequest {
  url: URL;
  namespace: string;
  podName: string;
  container: string;
}

export class KubeletServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    // Only the channel protocols: a client offering none of them cannot read our frames.
    handleProtocols: (offered) => execProtocols.find((p) => offered.has(p)) ?? false,
  });

  private constructor(
    private readonly o: KubeletServerOptions,
    private readonly server: Server,
  ) {}

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(o: KubeletServerOptions): Promise<KubeletServer> {
    const [first] = o.certificates.values();
    if (!first) throw new Error('a kubelet endpoint needs the serving certificate of at least one node');
    const tls = (c: KubeletServingCertificate) => ({ cert: c.certPem, key: c.keyPem, ca: o.clusterCaPem });
    const contexts = new Map<string, SecureContext>(
      [...o.certificates].map(([node, c]) => [node, createSecureContext(tls(c))]),
    );
    const server = createServer({
      ...tls(first),
      SNICallback: (servername, done) => done(null, contexts.get(servername)),
      // Asked for, and checked per request (authenticateApiServer) so that a caller without one
      // gets a Status rather than a broken handshake.
      requestCert: true,
      rejectUnauthorized: false,
    });
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
    if (parts[0] !== verb || parts.length !== 4) throw notFound();
    const [, namespace, podName, container] = parts as [string, string, string, string];
    return { url, namespace, podName, container };
  }

  /** The pod and the runtime running it here. */
  private async podHere(r: ContainerRequest): Promise<{ pod: Pod; runtime: ContainerRuntime }> {
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
    authenticateApiServer(req);
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

  /** GET /stats/summary: the usage of the node the request named in SNI, and of its pods. */
  private async serveStats(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const asked = (req.socket as TLSSocket).servername;
    const node = asked && this.o.certificates.has(asked) ? asked : [...this.o.certificates.keys()][0]!;
    const summary = this.o.stats?.(node);
    if (!summary)
      throw statusErrors.unavailable(
        `no usage sampled for node "${node}" yet: the agent takes its second sample a few seconds after start`,
      );
    const text = JSON.stringify(summary);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** /exec/{namespace}/{pod}/{container}?command=...&stdin=&tty=: a WebSocket to a command in the container. */
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    authenticateApiServer(req);
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
}
