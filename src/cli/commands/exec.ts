// `kubelab exec [-i] [-t] [-c C] (POD | TYPE/NAME) -- COMMAND [ARGS...]`: kubectl exec. Opens
// pods/{name}/exec as a WebSocket (the remote-command protocol, v5.channel.k8s.io), copies
// stdin to the command and its output back; with -t the local terminal is put in raw mode and
// its size follows the window. Exits with the command's exit code, as kubectl does.
import type { Command } from 'commander';
import type WebSocket from 'ws';
import { Channel, execProtocols, frame, readExitStatus, resizeFrame } from '../../client/remote-command.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { defaultContainer, podOfTarget } from '../pod-target.js';
import { UsageError } from '../usage-error.js';

const usage = "expected 'exec (POD | TYPE/NAME) -- COMMAND [args...]'.";

interface ExecFlags {
  stdin?: boolean;
  tty?: boolean;
  container?: string;
  quiet?: boolean;
}

/** Runs the session to its end; resolves with the exit code the command reported. */
function runSession(ws: WebSocket, o: { stdin: boolean; tty: boolean; quiet: boolean }): Promise<number> {
  const input = process.stdin;
  const rawMode = o.tty && input.isTTY;
  return new Promise((resolve) => {
    let exitCode: number | undefined;
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === Channel.stdout) process.stdout.write(payload);
      else if (channel === Channel.stderr) process.stderr.write(payload);
      else if (channel === Channel.error) {
        const status = readExitStatus(payload.toString('utf8'));
        exitCode = status.exitCode;
        if (status.error) process.stderr.write(`error: ${status.error}\n`);
        else if (status.exitCode !== 0 && !o.quiet)
          process.stderr.write(`command terminated with exit code ${status.exitCode}\n`);
      }
    });
    const onData = (chunk: Buffer) => ws.send(frame(Channel.stdin, chunk));
    const onEnd = () => {
      // v5 can say "stdin ended" (the command sees EOF); v4 has no way to.
      if (ws.protocol === 'v5.channel.k8s.io') ws.send(Buffer.from([Channel.close, Channel.stdin]));
    };
    const onResize = () => ws.send(resizeFrame(process.stdout.columns, process.stdout.rows));
    if (o.stdin) {
      if (rawMode) input.setRawMode(true);
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    }
    if (o.tty && process.stdout.isTTY) {
      onResize();
      process.stdout.on('resize', onResize);
    }
    ws.on('close', () => {
      if (o.stdin) {
        input.off('data', onData);
        input.off('end', onEnd);
        if (rawMode) input.setRawMode(false);
        input.pause();
      }
      process.stdout.off('resize', onResize);
      // Closed without a Status: the connection was lost (agent or API server went away).
      if (exitCode === undefined)
        process.stderr.write('error: the exec connection closed before the command finished\n');
      resolve(exitCode ?? 1);
    });
  });
}

export function registerExec(program: Command, globals: () => GlobalOptions): void {
  program
    .command('exec')
    .description('Run a command in a container (kubectl exec)')
    .argument('[target]', 'POD or TYPE/NAME (e.g. deploy/web)')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'stdin is a terminal (raw mode, window size follows)')
    .option('-c, --container <name>', 'the container (default: the only one, or the first)')
    .option('-q, --quiet', 'print only what the command prints')
    .action(async (target: string | undefined, command: string[], o: ExecFlags) => {
      if (!target)
        throw new UsageError(`${usage}\nPOD or TYPE/NAME is a required argument for the exec command`);
      if (command.length === 0)
        throw new UsageError(`${usage}\nyou must specify at least one command for the container`);
      let tty = o.tty ?? false;
      if (tty && !(o.stdin && process.stdin.isTTY)) {
        if (!o.quiet)
          process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
        tty = false;
      }
      const { client, namespace } = await connect(globals());
      try {
        const podName = await podOfTarget(client, namespace, target, 'exec into', usage);
        const container = o.container ?? (await defaultContainer(client, namespace, podName));
        const query = new URLSearchParams();
        for (const c of command) query.append('command', c);
        if (container) query.set('container', container);
        if (o.stdin) query.set('stdin', 'true');
        query.set('stdout', 'true');
        if (!tty) query.set('stderr', 'true');
        if (tty) query.set('tty', 'true');
        const ws = await client.openWebSocket(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/exec`,
          query,
          execProtocols,
        );
        process.exitCode = await runSession(ws, { stdin: o.stdin ?? false, tty, quiet: o.quiet ?? false });
      } finally {
        client.close();
      }
    });
}
