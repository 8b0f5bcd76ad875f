// Integration tests that run a real program never skip when it is missing: they fail, and say
// how to get it. scripts/install-docker.sh installs every program the tests run (CI runs it).
import { spawnSync } from 'node:child_process';

const checked = new Map<string, string | undefined>();

/**
 * Throws unless `program args...` runs and exits 0 (checked once per process). `what` names
 * what the test needs, for the message.
 */
export function requireProgram(program: string, args: string[], what = program): void {
  const key = JSON.stringify([program, ...args]);
  if (!checked.has(key)) {
    const run = spawnSync(program, args, { encoding: 'utf8' });
    checked.set(
      key,
      run.status === 0
        ? undefined
        : (run.error?.message ??
            `\`${[program, ...args].join(' ')}\` exited with ${run.status}${run.stderr.trim() ? `: ${run.stderr.trim()}` : ''}`),
    );
  }
  const problem = checked.get(key);
  if (problem !== undefined)
    throw new Error(`this test needs ${what} (${problem}): run \`bash scripts/install-docker.sh\``);
}
