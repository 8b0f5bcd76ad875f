// pods/{name}/exec: kube-apiserver's ExecLocation + UpgradeAwareHandler. The client's
// WebSocket upgrade is relayed to the agent of the pod's node (/exec/ns/pod/container with the
// same command and flags); once the agent answers 101 the two connections are joined byte for
// byte, so the remote-command frames pass through untouched and either side closing closes
// both. Before that, every refusal is an HTTP answer with a Status kubectl prints. The caller
// was authorized for pods/exec before this runs; the agent is called as the API server itself
// (kubelet-client.ts), and the caller's Authorization header is not passed on.
//
// Only WebSocket is served: kubectl >= 1.30 speaks it (v5.channel.k8s.io) and falls back to
// SPDY only when the upgrade fails, which then gets a message saying why.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { type StatusError, statusErrors } from '../api/status-error.js';
import type { KubeletClient, KubeletLocation } from './kubelet-client.js';
import { agentError, requestedContainer } from './pod-log-proxy.js';
import type { Registry } from './registry.js';

const forwardedParams = ['command', 'stdin', 'stdout', 'stderr', 'tty'];
const forwardedHeaders = ['upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol'];

/** The agent and its /exec path for this request, after kube's checks on the pod. */
async function execLocation(
  registry: Registry,
  kubelets: KubeletClient,
  namespace: string,
  podName: string,
  query: URLSearchParams,
): Promise<{ kubelet: KubeletLocation; path: string }> {
  const pod = (await registry.get(resource.pods, namespace, podName)) as Pod;
  const container = requestedContainer(pod, query.get('container'));
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    throw statusErrors.badRequest(
      `cannot exec into a container in a completed pod; current phase is ${phase}`,
    );
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw statusErrors.badRequest(`pod ${podName} does not have a host assigned`);
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  if (!statuses.find((c) => c.name === container)?.state?.running)
    throw statusErrors.badRequest(
      `unable to upgrade connection: container ${container} is not running in pod ${podName} (see kubelab describe pod ${podName})`,
    );
  const kubelet = await kubelets.locate(nodeName, 'exec');
  const params = new URLSearchParams();
  for (const p of forwardedParams) for (const v of query.getAll(p)) params.append(p, v);
  return {
    kubelet,
    path: `/exec/${[namespace, podName, container].map(encodeURIComponent).join('/')}?${params}`,
  };
}

/** The 101 answer of the agent, written back to the client as it came. */
function switchingProtocols(res: IncomingMessage): string {
  const lines = ['HTTP/1.1 101 Switching Protocols'];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export async function proxyPodExec(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  registry: Registry,
  kubelets: KubeletClient,
  namespace: string,
  podName: string,
  query: URLSearchParams,
): Promise<void> {
  // The pod's own problems first: kubectl retries a refused WebSocket with SPDY, and prints
  // the answer to that second try.
  const { kubelet, path } = await execLocation(registry, kubelets, namespace, podName, query);
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
    throw statusErrors.badRequest(
      `kubelab serves exec over WebSocket only (kubectl >= 1.30 uses it by default); this client asked for ${req.headers.upgrade ?? 'no upgrade'}`,
    );
  const headers: Record<string, string> = { Connection: 'Upgrade' };
  for (const h of forwardedHeaders) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  await new Promise<void>((resolve, reject) => {
    const out = kubelets.request(kubelet, path, { method: 'GET', headers });
    const fail = (e: StatusError) => reject(e);
    socket.once('close', () => out.destroy());
    out.on('error', (e) => fail(kubelets.dialError(kubelet, e)));
    out.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => fail(agentError(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))));
    });
    out.on('upgrade', (res, upstream, upstreamHead) => {
      socket.write(switchingProtocols(res));
      if (upstreamHead.length) socket.write(upstreamHead);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
      const closeBoth = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', closeBoth);
      upstream.on('error', closeBoth);
      socket.on('close', closeBoth);
      upstream.on('close', closeBoth);
      resolve();
    });
    out.end();
  });
}
