// The order e2e files start in (vitest hands files to its workers in the sequencer's order).
// They run side by side and wait for one another only through the locks of
// e2e-fixtures.ts, so the order decides how soon the long ones start and how few workers
// sit waiting: the files that change what the others use first (short), then the qemu
// chain (the longest), then the others, longest first. Files not listed keep vitest's order,
// after these; unit and integration files too.
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that change what every other file uses: agent-docker-faults restarts Docker Engine,
 * images removes lab images, agent-docker removes kubelab/web:3 to watch a node build it (no
 * `kubelab up` may build it back meanwhile). They run first, one after the other: until they
 * are done the fixture server grants no other lock (e2e-fixture-server.ts), so none of them
 * waits mid-run behind a long holder, with everyone who asked after it waiting too.
 */
export const firstFiles = ['agent-docker-faults', 'images', 'agent-docker'];

const e2eOrder = [
  ...firstFiles,
  'qemu-machines', // then the qemu chain, the longest: qemu-machines, qemu-cluster (qemu lock)
  'qemu-cluster',
  'node-image', // the first of the files that make machines ('machines' lock, one at a time)
  'docker-machines', // light files next, so they are not left behind the ones waiting for a lock
  'pod-logs-exec-docker',
  'tui-docker-cluster',
  'ssh-provider-cluster',
  'docker-provider-cluster', // the shared docker cluster
  'pod-usage-docker', // waits for the qemu chain (it measures CPU use)
];

/** The e2e files of this run, by name, for the fixture server (same process, another module graph). */
export const e2eRunKey = '__kubelabE2eRunFiles';

export const e2eFileName = (path: string) => basename(path).replace(/\.test\.ts$/, '');

function rank(spec: TestSpecification): number {
  if (spec.project.name !== 'e2e') return -1;
  const i = e2eOrder.indexOf(e2eFileName(spec.moduleId));
  return i === -1 ? e2eOrder.length : i;
}

export default class E2eSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    (globalThis as Record<string, unknown>)[e2eRunKey] = files
      .filter((spec) => spec.project.name === 'e2e')
      .map((spec) => e2eFileName(spec.moduleId));
    // Stable: within a rank (every unit and integration file), vitest's own order.
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
