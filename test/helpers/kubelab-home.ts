// A KUBELAB_HOME of the test file's own: a fresh temporary folder set for its tests, the
// caller's value put back and the folder removed after them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Call at the top level of a test file; returns the folder (set as KUBELAB_HOME from beforeAll on). */
export function temporaryKubelabHome(prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const previousHome = process.env.KUBELAB_HOME;
  beforeAll(() => {
    process.env.KUBELAB_HOME = home;
  });
  afterAll(() => {
    if (previousHome === undefined) delete process.env.KUBELAB_HOME;
    else process.env.KUBELAB_HOME = previousHome;
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}
