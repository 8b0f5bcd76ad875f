// The order e2e files start in (vitest hands files to its workers in the sequencer's order).
// They run side by side and wait for one another only through the locks of
// e2e-fixtures.ts, so the order decides how soon the long ones start and how few workers
// sit waiting: the qemu files first (the longest chain, and the first needs no Docker
// Engine), the files that need Docker Engine to themselves next, then the others, longest
// first. Files not listed keep vitest's order, after these; unit and integration files too.
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const e2eOrder = [
  'qemu-machines', // qemu lock; no Docker Engine at all
  'agent-docker-faults', // host-docker exclusive: freezes and restarts dockerd
  'qemu-cluster', // qemu lock, after qemu-machines
  'images', // host-docker exclusive: removes and rebuilds lab images
  'node-image', // a cold node image build of its own, a container-node and a VM
  'tui-docker-cluster',
  'ssh-provider-cluster',
  'docker-provider-cluster', // the shared docker cluster
  'docker-machines',
  'agent-docker',
  'pod-logs-exec-docker',
  'pod-usage-docker',
];

function rank(spec: TestSpecification): number {
  if (spec.project.name !== 'e2e') return -1;
  const i = e2eOrder.indexOf(basename(spec.moduleId).replace(/\.test\.ts$/, ''));
  return i === -1 ? e2eOrder.length : i;
}

export default class E2eSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Stable: within a rank (every unit and integration file), vitest's own order.
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
