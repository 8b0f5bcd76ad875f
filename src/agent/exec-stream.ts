// One `kubectl exec` on the node: the WebSocket the API server relays, bridged to a command
// running in a container. Input frames go to the command's stdin (channel 0) or resize its
// terminal (channel 4); its stdout and stderr go back on channels 1 and 2, with back-pressure
// (reading pauses while the socket has a backlog); when the command ends and its output is
// drained, its exit Status goes on channel 3 and the socket closes, as the kubelet's
// streaming server does.
import type { Readable } from 'node:stream';
import type WebSocket from 'ws';
import { Channel, exitStatus, failureStatus, frame, parseResize } from '../client/remote-command.js';
import type { ExecSession } from './runtime/runtime.js';

/** Bytes queued on the socket above which the command's output stops being read. */
const highWaterMark = 1 << 20;

function forward(ws: WebSocket, source: Readable, channel: number): Promise<void> {
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => {
      ws.send(frame(channel, chunk), () => {
        if (source.isPaused() && ws.bufferedAmount < highWaterMark) source.resume();
      });
      if (ws.bufferedAmount >= highWaterMark) source.pause();
    });
    source.on('end', resolve);
    source.on('close', resolve);
    source.on('error', resolve);
  });
}

/** Ends the exchange with a Status on the error channel (what kubectl turns into its exit code). */
function finishExec(ws: WebSocket, status: Record<string, unknown>): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(frame(Channel.error, JSON.stringify(status)), () => ws.close(1000));
}

/**
 * Runs the exchange for a session that is still starting: frames that arrive meanwhile (kubectl
 * sends the terminal size at once) are held and applied when it has started.
 */
export function bridgeExec(ws: WebSocket, starting: Promise<ExecSession>, command: string[]): void {
  const early: Buffer[] = [];
  let session: ExecSession | undefined;
  const apply = (data: Buffer) => {
    if (!session || data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === Channel.stdin) session.stdin?.write(payload);
    else if (channel === Channel.resize) {
      const size = parseResize(payload);
      if (size) session.resize(size.width, size.height).catch(() => {});
    } else if (channel === Channel.close && payload[0] === Channel.stdin) session.stdin?.end();
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    if (session) apply(data);
    else early.push(data);
  });
  // The caller hung up: drop the streams (as the kubelet, the command is not killed).
  ws.on('close', () => session?.close());
  starting.then(
    (started) => {
      session = started;
      if (ws.readyState !== ws.OPEN) return started.close();
      for (const data of early.splice(0)) apply(data);
      const outputs = [forward(ws, started.stdout, Channel.stdout)];
      if (started.stderr) outputs.push(forward(ws, started.stderr, Channel.stderr));
      void Promise.all([started.exitCode, ...outputs]).then(([code]) =>
        finishExec(ws, exitStatus(command, code)),
      );
    },
    (e: Error) => finishExec(ws, failureStatus(e.message)),
  );
}
