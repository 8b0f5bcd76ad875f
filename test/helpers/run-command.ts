// Runs a command-line program (the built `kubelab`, or real kubectl) and captures its result.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const kubelabCli = fileURLToPath(new URL('../../dist/kubelab.mjs', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCommand(
  program: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return startCommand(program, args, options).result;
}

interface RunOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** A command under way: its output so far, and its result once it exits. */
export interface RunningCommand {
  output(): { stdout: string; stderr: string };
  result: Promise<CommandResult>;
}

export function startCommand(program: string, args: string[], options: RunOptions = {}): RunningCommand {
  let stdout = '';
  let stderr = '';
  const result = new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(program, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A program may exit without reading its input (EPIPE): that is its business, not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
  return { output: () => ({ stdout, stderr }), result };
}

/** `kubelab ARGS` through the built bundle, exactly what users run. */
export function kubelab(
  args: string[],
  options: Parameters<typeof runCommand>[2] = {},
): Promise<CommandResult> {
  return runCommand(process.execPath, [kubelabCli, ...args], options);
}

/** `kubelab ARGS` started, for a test that acts while it runs (e.g. `rollout status`). */
export function startKubelab(args: string[], options: RunOptions = {}): RunningCommand {
  return startCommand(process.execPath, [kubelabCli, ...args], options);
}
