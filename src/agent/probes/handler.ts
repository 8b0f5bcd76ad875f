// One run of a probe or lifecycle-hook handler (exec, httpGet, tcpSocket), as the kubelet's
// prober and hook runner do it: httpGet from the agent to the pod IP (the agent shares the
// host with the Docker bridge, so pod IPs are reachable), success on 200-399; tcpSocket
// succeeds when a connection opens; exec succeeds on exit code 0. Failure messages are
// Kubernetes' own, since users read them in `Unhealthy` events.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, ExecAction, HTTPGetAction, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/runtime.js';

export interface Handler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
}

export interface HandlerTarget {
  runtime: ContainerRuntime;
  containerId: string;
  spec: Container;
  podIP?: string;
}

export interface HandlerResult {
  ok: boolean;
  message: string;
}

export const probeUserAgent = 'kube-probe/1.32';

/** A port given by number or by the name of one of the container's ports. */
function resolvePort(port: number | string, spec: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = spec.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port: ${port} in ${spec.name}`);
  return named.containerPort;
}

function httpGet(action: HTTPGetAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const host = action.host || target.podIP || '127.0.0.1';
  const port = resolvePort(action.port, target.spec);
  const path = action.path?.startsWith('/') ? action.path : `/${action.path ?? ''}`;
  const url = `${scheme}://${host}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': probeUserAgent, Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const request = scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        res.on('end', () =>
          resolve(
            code >= 200 && code < 400
              ? { ok: true, message: '' }
              : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
          ),
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, message: `Get "${url}": ${dialError(host, port, e)}` }),
    );
    req.end();
  });
}

/** Go's net error text for the usual failures. */
function dialError(host: string, port: number, e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (e.code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  return `dial tcp ${host}:${port}: ${e.message}`;
}

function tcpSocket(
  action: TCPSocketAction,
  target: HandlerTarget,
  timeoutMs: number,
): Promise<HandlerResult> {
  const host = action.host || target.podIP || '127.0.0.1';
  const port = resolvePort(action.port, target.spec);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, message: dialError(host, port, e) }),
    );
  });
}

async function exec(action: ExecAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const command = action.command ?? [];
  if (!target.runtime.execSync) return { ok: false, message: 'this runtime cannot exec in containers' };
  try {
    const { exitCode, output } = await target.runtime.execSync(target.containerId, command, timeoutMs);
    if (exitCode === 0) return { ok: true, message: output };
    return {
      ok: false,
      message: output.trim() || `command ${JSON.stringify(command.join(' '))} exited with ${exitCode}`,
    };
  } catch (e) {
    const message = (e as Error).message;
    return {
      ok: false,
      message: /timed out/.test(message) ? `command ${JSON.stringify(command.join(' '))} timed out` : message,
    };
  }
}

export async function runHandler(
  handler: Handler,
  target: HandlerTarget,
  timeoutMs: number,
): Promise<HandlerResult> {
  // A SIMULATED container is no process and its pod IP a made-up one: dialing it would send
  // traffic off this machine to whatever answers there. Its hooks count as run.
  if (target.runtime.simulated) return { ok: true, message: '' };
  try {
    if (handler.exec) return await exec(handler.exec, target, timeoutMs);
    if (handler.httpGet) return await httpGet(handler.httpGet, target, timeoutMs);
    if (handler.tcpSocket) return await tcpSocket(handler.tcpSocket, target, timeoutMs);
    return { ok: false, message: 'missing probe handler' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
