// QMP, the JSON protocol of qemu's control socket: one short connection per command
// (greeting, qmp_capabilities, the command), so nothing stays open between kubelab commands
// and a VM started by another kubelab process is controlled the same way.
import { connect } from 'node:net';

export class QmpError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

/** Unix socket paths are limited to 107 bytes (sun_path); longer ones fail with a vague error. */
export const maxSocketPathLength = 107;

/** Runs one QMP command on the socket and resolves with its `return` value. */
export function qmpCommand(
  socketPath: string,
  execute: string,
  args?: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buffer = '';
    let sentCommand = false;
    let settled = false;
    const finish = (error: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new Error(`QMP ${execute}: no answer within ${timeoutMs / 1000} s on ${socketPath}`)),
      timeoutMs,
    );
    const send = (message: object) => socket.write(`${JSON.stringify(message)}\n`);
    socket.on('error', (e) => finish(new Error(`QMP ${execute}: ${socketPath}: ${e.message}`, { cause: e })));
    socket.on('close', () => finish(new Error(`QMP ${execute}: qemu closed ${socketPath} before answering`)));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (!line) continue;
        let message: {
          QMP?: unknown;
          event?: unknown;
          return?: unknown;
          error?: { class: string; desc: string };
        };
        try {
          message = JSON.parse(line);
        } catch {
          return finish(new Error(`QMP ${execute}: not JSON from ${socketPath}: ${line.slice(0, 80)}`));
        }
        // Events (a guest's link change, a shutdown) arrive interleaved with answers.
        if (message.event !== undefined) continue;
        if (message.QMP !== undefined) {
          send({ execute: 'qmp_capabilities' });
          continue;
        }
        if (message.error)
          return finish(new QmpError(message.error.class, `QMP ${execute}: ${message.error.desc}`));
        if (!sentCommand) {
          sentCommand = true;
          send(args ? { execute, arguments: args } : { execute });
          continue;
        }
        return finish(undefined, message.return);
      }
    });
  });
}
