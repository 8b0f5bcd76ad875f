// Kubernetes' remote-command stream protocol over WebSocket (k8s.io/apimachinery
// pkg/util/remotecommand, KEP-3396): what `kubectl exec` speaks since 1.30, and what the API
// server relays between kubectl and the node agent. Every binary message starts with a
// channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final Status (error channel), 4 terminal
// size; v5 adds 255 = "close this stream" (how a client says its stdin ended).
import type { Duplex } from 'node:stream';
import type { StatusError } from '../api/status-error.js';

export const execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** The terminal size message on the resize channel. */
export function resizeFrame(width: number, height: number): Buffer {
  return frame(Channel.resize, JSON.stringify({ Width: width, Height: height }));
}

export function parseResize(payload: Buffer): { width: number; height: number } | undefined {
  try {
    const { Width, Height } = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
    if (typeof Width === 'number' && typeof Height === 'number' && Width > 0 && Height > 0)
      return { width: Width, height: Height };
  } catch {
    // A malformed size is ignored, as the kubelet does.
  }
  return undefined;
}

/** The Status the agent writes on the error channel when the command has finished. */
export function exitStatus(command: string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A failure before or while running the command (no such container, runtime error). */
export function failureStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/**
 * What a client makes of the error channel: the command's exit code, or an error to print.
 * kubectl exits with the remote exit code and prints nothing for NonZeroExitCode.
 */
export function readExitStatus(payload: string): { exitCode: number; error?: string } {
  let status: {
    status?: string;
    message?: string;
    reason?: string;
    details?: { causes?: { reason?: string; message?: string }[] };
  };
  try {
    status = JSON.parse(payload);
  } catch {
    return { exitCode: 1, error: payload.trim() || 'the exec stream ended with an unreadable status' };
  }
  if (status.status === 'Success') return { exitCode: 0 };
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (status.reason === 'NonZeroExitCode' && code !== undefined) return { exitCode: Number(code) };
  return { exitCode: 1, error: status.message ?? 'the command failed' };
}

/**
 * Refuses an upgrade request with an HTTP answer carrying a Kubernetes Status, on the raw
 * socket (no response object exists for an upgrade): kubectl prints its message.
 */
export function rejectUpgrade(socket: Duplex, error: StatusError): void {
  const body = JSON.stringify(error.toStatus());
  socket.end(
    `HTTP/1.1 ${error.code} ${error.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
