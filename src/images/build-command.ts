// Runs the programs the node image is built with (debootstrap, chroot, tar, mkfs.ext4).
// Their output is passed on line by line (for the build log and progress), and a failure
// carries the last lines: that is where these programs say what went wrong.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

const tailLines = 20;

export class BuildCommandError extends Error {
  constructor(
    readonly program: string,
    /** The exit code, or the signal that ended it. */
    readonly exit: number | NodeJS.Signals,
    /** The last lines it printed (stdout and stderr), oldest first. */
    readonly tail: readonly string[],
  ) {
    super(
      `${program} ${typeof exit === 'number' ? `exited with ${exit}` : `was killed by ${exit}`}` +
        (tail.length ? `:\n  ${tail.join('\n  ')}` : ''),
    );
  }
}

export interface BuildCommandOptions {
  /** Each line the program prints on stdout or stderr, as it comes. */
  onLine?(line: string): void;
  /** The whole environment of the program (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Runs a program to completion; rejects with a BuildCommandError unless it exits 0. */
export function runBuildCommand(
  program: string,
  args: readonly string[],
  options: BuildCommandOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      options.onLine?.(line);
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(`${program} is not installed (not found on PATH)`) : e),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new BuildCommandError(program, code ?? signal ?? 'SIGKILL', tail));
    });
  });
}

/**
 * Where a program is installed, or undefined. Looks in the sbin folders too: debootstrap and
 * mkfs.ext4 live there, and a root shell entered with `su` may not have them on PATH.
 */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | undefined {
  const dirs = [...path.split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.map((dir) => join(dir, name)).find((candidate) => existsSync(candidate));
}
