// pods/{name}/log: kube-apiserver's LogLocation + LocationStreamer. The API server holds no
// logs; it finds the pod's node (kubelet-location.ts) and streams the agent's /containerLogs answer through,
// with back-pressure, closing the agent's stream when the client goes away (`logs -f`).
//
// The caller was authorized for pods/log before this runs; the agent is called as the API
// server itself, over mutually verified TLS (kubelet-client.ts), never with the caller's token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import type { KubeletClient } from './kubelet-client.js';
import type { Registry } from './registry.js';

/** PodLogOptions the agent understands, passed on as they came. */
const forwardedParams = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds'];

/**
 * The container a log or exec request means; kube's validateContainer messages when it is
 * ambiguous or unknown.
 */
export function requestedContainer(pod: Pod, asked: string | null): string {
  const name = pod.metadata?.name ?? '';
  const containers = pod.spec?.containers ?? [];
  const init = pod.spec?.initContainers ?? [];
  if (asked) {
    if (![...containers, ...init].some((c) => c.name === asked))
      throw statusErrors.badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  if (containers.length === 1) return containers[0]!.name;
  if (containers.length === 0)
    throw statusErrors.badRequest(`a container name must be specified for pod ${name}`);
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`;
  if (init.length) message += ` or one of the init containers: [${init.map((c) => c.name).join(' ')}]`;
  throw statusErrors.badRequest(message);
}

/** An error answer of the agent: its Status as it is, anything else as BadRequest with the text. */
export function agentError(code: number, body: string): StatusError {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string; reason?: string };
    if (s.kind === 'Status')
      return StatusError.fromStatus(s as Parameters<typeof StatusError.fromStatus>[0], code);
  } catch {
    // Not JSON: keep the text.
  }
  return statusErrors.badRequest(body.trim() || `the node agent answered HTTP ${code}`);
}

/**
 * Serves GET pods/{name}/log. Resolves once the agent's answer has started (headers sent), so
 * a followed log is not cut by the server's per-request time limit; the body keeps flowing.
 */
export async function servePodLog(
  res: ServerResponse,
  registry: Registry,
  kubelets: KubeletClient,
  namespace: string,
  podName: string,
  query: URLSearchParams,
): Promise<void> {
  const pod = (await registry.get(resource.pods, namespace, podName)) as Pod;
  const container = requestedContainer(pod, query.get('container'));
  const nodeName = pod.spec?.nodeName;
  if (!nodeName)
    throw statusErrors.badRequest(
      `container "${container}" in pod "${podName}" is waiting to start - no logs yet`,
    );
  const kubelet = await kubelets.locate(nodeName, 'logs');
  const params = new URLSearchParams();
  for (const p of forwardedParams) {
    const v = query.get(p);
    if (v !== null) params.set(p, v);
  }
  const path = `/containerLogs/${[namespace, podName, container].map(encodeURIComponent).join('/')}`;

  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const out = kubelets.request(kubelet, `${path}${params.size ? `?${params}` : ''}`, {
      method: 'GET',
      headers: { Accept: 'text/plain' },
    });
    out.on('response', resolve);
    out.on('error', (e) => reject(kubelets.dialError(kubelet, e)));
    // A client that leaves before the agent answers must not leave the request open.
    res.on('close', () => out.destroy());
    out.end();
  });
  const code = upstream.statusCode ?? 500;
  if (code >= 400) {
    const chunks: Buffer[] = [];
    for await (const c of upstream) chunks.push(c as Buffer);
    throw agentError(code, Buffer.concat(chunks).toString('utf8'));
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.flushHeaders();
  // Back-pressure both ways, and a client that disconnects destroys the agent's stream.
  pipeline(upstream, res, () => {});
}
