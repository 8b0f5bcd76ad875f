// Running commands on a machine over an open connection: the output is collected (and passed
// on line by line for progress), a command that overruns its time is ended, and a failure
// carries the last lines the command printed, which is where programs say what went wrong.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { formatSeconds } from './machine-step-error.js';
import { asRootCommand, shellQuote } from './shell-quote.js';
import type { SshConnection } from './ssh-connection.js';

export interface SshExecOptions {
  /** The step named in errors (default: ``run `<command>` ``). */
  step?: string;
  /** Run as root: through `sudo -n` when the connection's user is not root. */
  asRoot?: boolean;
  /** Fed to the command, then closed; without it the command's stdin is closed at once. */
  stdin?: string | Buffer | Readable;
  /** Each line as it comes, for progress. */
  onLine?(line: string, stream: 'stdout' | 'stderr'): void;
  /** Default 10 minutes: long enough for a package install on an emulated (TCG) machine. */
  timeoutMs?: number;
}

export interface SshExecResult {
  /** null when the command was ended by a signal or the server reported no status. */
  exitCode: number | null;
  /** The signal that ended it (`KILL`, `TERM`...), if one did. */
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

const tailLines = 20;

/** Runs a command and resolves with how it ended, whatever its exit code. */
export function sshExec(
  connection: SshConnection,
  command: string,
  options: SshExecOptions = {},
): Promise<SshExecResult> {
  const step = options.step ?? `run \`${abbreviate(command)}\``;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const bounded = boundedCommand(command, timeoutMs);
  const remoteCommand = options.asRoot ? asRootCommand(bounded, connection.user) : bounded;
  return new Promise((resolve, reject) => {
    if (connection.lost)
      return reject(connection.error(step, 'ssh', `the connection is gone: ${connection.lost.message}`));
    let settled = false;
    let end: (() => void) | undefined;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      end?.();
      reject(e);
    };
    const timer = setTimeout(
      () =>
        fail(connection.error(step, 'timeout', `still running after ${formatSeconds(timeoutMs)}; ended it`)),
      timeoutMs,
    );

    connection.client.exec(remoteCommand, (err, channel) => {
      if (err) return fail(connection.error(step, 'ssh', `cannot start the command: ${err.message}`, err));
      // The machine ends the command itself (boundedCommand); this only stops listening.
      end = () => channel.close();
      if (settled) return end();
      const stdout = new OutputLines('stdout', options.onLine);
      const stderr = new OutputLines('stderr', options.onLine);
      let exit: { code: number | null; signal: string | undefined } | undefined;
      channel.on('data', (d: Buffer) => stdout.push(d));
      channel.stderr.on('data', (d: Buffer) => stderr.push(d));
      channel.on('exit', (code: number | null, signal?: string) => {
        exit = { code, signal };
      });
      channel.on('close', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const result = { stdout: stdout.end(), stderr: stderr.end() };
        if (!exit && connection.lost)
          return reject(
            connection.error(
              step,
              'ssh',
              `the connection was lost while the command ran: ${connection.lost.message}`,
            ),
          );
        resolve({ exitCode: exit?.code ?? null, signal: exit?.signal, ...result });
      });

      const input = options.stdin;
      if (input === undefined) channel.end();
      else if (typeof input === 'string' || Buffer.isBuffer(input)) channel.end(input);
      else {
        input.on('error', (e: Error) =>
          fail(connection.error(step, 'ssh', `reading its input failed: ${e.message}`, e)),
        );
        input.pipe(channel);
      }
    });
  });
}

/** Runs a command that must succeed: a non-zero exit is a MachineStepError with its last lines. */
export async function sshRun(
  connection: SshConnection,
  command: string,
  options: SshExecOptions = {},
): Promise<SshExecResult> {
  const result = await sshExec(connection, command, options);
  if (result.exitCode === 0) return result;
  const step = options.step ?? `run \`${abbreviate(command)}\``;
  const ended = result.signal
    ? `was killed by SIG${result.signal}`
    : `exited with ${result.exitCode ?? 'no status'}`;
  const said = lastLines(result.stderr.trim() ? result.stderr : result.stdout);
  // sudo's own words ("a password is required") do not say what to change on the machine.
  const hint = /^sudo: .*password/m.test(result.stderr)
    ? `\n  (${connection.user} needs passwordless sudo on the machine: a NOPASSWD line in /etc/sudoers.d/)`
    : '';
  throw connection.error(
    step,
    'command-failed',
    `\`${abbreviate(command)}\` ${ended}${said.length ? `:\n  ${said.join('\n  ')}` : ''}${hint}`,
  );
}

/**
 * The command, killed by the machine itself shortly after our own limit: closing the channel
 * does not end a remote command, and OpenSSH refuses SSH's "signal" request for root sessions
 * ("session signalling requires privilege separation"), while a command left running also
 * keeps one of the connection's sessions (MaxSessions, 10) busy. coreutils' `timeout` kills the
 * command's whole process group; a machine without `timeout` runs the command unbounded.
 * Bounded inside sudo, not around it: a non-root `timeout` may not kill root's processes.
 * Either way the command runs under `sh -c`, so it means the same whatever the login shell is.
 */
function boundedCommand(command: string, timeoutMs: number): string {
  const seconds = Math.ceil(timeoutMs / 1000) + 1;
  const script = shellQuote(command);
  return (
    `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL ${seconds} sh -c ${script}; ` +
    `else exec sh -c ${script}; fi`
  );
}

/** Collects one output stream and hands complete lines to the callback as they form. */
class OutputLines {
  readonly #chunks: Buffer[] = [];
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly onLine: SshExecOptions['onLine'],
  ) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    if (this.onLine) this.#split(this.#decoder.write(chunk));
  }

  /** The whole output; the last line is passed on even without its newline. */
  end(): string {
    if (this.onLine) {
      this.#split(this.#decoder.end());
      if (this.#partial) this.onLine(this.#partial, this.stream);
      this.#partial = '';
    }
    return Buffer.concat(this.#chunks).toString('utf8');
  }

  #split(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.onLine?.(line.replace(/\r$/, ''), this.stream);
  }
}

function lastLines(text: string): string[] {
  return text.trimEnd().split('\n').filter(Boolean).slice(-tailLines);
}

/** A command as a step name: its first line, cut to a readable length. */
function abbreviate(command: string): string {
  const first = command.trim().split('\n')[0] ?? '';
  return first.length > 80 || command.trim().includes('\n') ? `${first.slice(0, 77)}...` : first;
}
