// Clusters of real machines (docker, qemu, vagrant, ssh providers): `up` asks the provider for
// the machines, records them, then bootstraps them over SSH; `down` destroys them; node
// failures are the provider's (poweroff, partition) or bootstrap's over SSH (agent). The cluster
// record keeps each machine's SSH endpoint and address so every later command finds them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import {
  buildWorkloadImages,
  ensureImage,
  findWorkloadImage,
  saveImages,
  workloadArchiveName,
  workloadImagesDir,
} from '../images/index.js';
import { bootstrapCluster } from './bootstrap/cluster-bootstrap.js';
import { type ImagesArchive, MachineSetup, readImagesArchive } from './bootstrap/machine-setup.js';
import { ProgressReporter, type ProgressSink, type StepTiming } from './bootstrap/progress-reporter.js';
import { agentUnitName, teardownScript } from './bootstrap/systemd-units.js';
import {
  type ClusterRecord,
  clusterKubeconfigPath,
  readClusterRecord,
  writeClusterRecord,
} from './cluster-records.js';
import { DockerProvider } from './providers/docker-provider.js';
import type { MachineProvider, MachineRole, ProvisionedMachine } from './providers/machine-provider.js';
import { QemuProvider } from './providers/qemu-machines.js';
import { simWorkerName } from './providers/sim.js';
import { SshHostsProvider } from './providers/ssh-hosts.js';
import type { Inventory } from './providers/ssh-inventory.js';
import { VagrantProvider } from './providers/vagrant.js';
import { clusterSshFiles, connectToMachine, ensureSshKeyPair, sshRun } from './ssh/index.js';

export type MachineProviderName = 'docker' | 'qemu' | 'vagrant' | 'ssh';
export const machineProviderNames: MachineProviderName[] = ['docker', 'qemu', 'vagrant', 'ssh'];

/** The provider of a cluster; `ssh` needs its inventory to create, not to fail or destroy. */
export function machineProvider(name: string, inventory?: Inventory): MachineProvider {
  if (name === 'docker') return new DockerProvider();
  if (name === 'qemu') return new QemuProvider();
  if (name === 'vagrant') return new VagrantProvider();
  if (name === 'ssh') return new SshHostsProvider(inventory);
  throw new Error(
    `provider "${name}" is not part of this build yet; available: sim, ${machineProviderNames.join(', ')}`,
  );
}

/** kind's names: `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`, ... */
export function planMachines(cluster: string, workers: number): { name: string; role: MachineRole }[] {
  return [
    { name: `${cluster}-control-plane`, role: 'control-plane' },
    ...Array.from({ length: workers }, (_, i) => ({
      name: simWorkerName(cluster, i + 1),
      role: 'worker' as const,
    })),
  ];
}

export function provisionedMachine(record: ClusterRecord, nodeName: string): ProvisionedMachine {
  const m = record.machines.find((x) => x.name === nodeName);
  if (!m?.ssh || !m.address)
    throw new Error(
      `cluster "${record.name}" has no machine named ${nodeName}; its machines: ${record.machines.map((x) => x.name).join(', ')}`,
    );
  // A machine provider's record is the ProvisionedMachine it returned (see upMachineCluster).
  return { ...m, address: m.address, ssh: m.ssh };
}

/** The lab images archive, built here when this computer has Docker Engine (else nodes build on demand). */
async function labImages(progress: ProgressSink): Promise<ImagesArchive | undefined> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch {
    progress.say('lab images: no Docker Engine on this computer; nodes build them when a pod needs one');
    return undefined;
  }
  progress.step('lab images', 'build (cached)', 'started');
  await buildWorkloadImages({
    docker,
    onProgress: (e) => progress.step('lab images', 'build (cached)', 'detail', `${e.image}: ${e.step}`),
  });
  progress.step('lab images', 'build (cached)', 'done');
  return readImagesArchive(workloadImagesDir(), workloadArchiveName);
}

export interface UpOptions {
  name: string;
  provider: MachineProvider;
  workers: number;
  /** The machines, when the provider's own list says (an ssh inventory); else planned from `workers`. */
  machines?: { name: string; role: MachineRole }[];
  profile: string;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where progress goes; by default live lines on `out` (the TUI passes its start screen). */
  progress?: ProgressSink;
}

export interface UpResult {
  record: ClusterRecord;
  /** Each finished step's duration, per machine (for benchmarks and the summary). */
  timings: StepTiming[];
}

export async function upMachineCluster(o: UpOptions): Promise<UpResult> {
  const progress = o.progress ?? new ProgressReporter(o.out ?? process.stdout);
  const existing = await readClusterRecord(o.name);
  if (existing && existing.provider !== o.provider.name)
    throw new Error(
      `cluster "${o.name}" exists with provider ${existing.provider}: run \`kubelab down --name ${o.name}\` first, or pick another --name`,
    );
  const files = clusterSshFiles(o.name);
  const key = await ensureSshKeyPair(files.privateKeyPath, `kubelab-${o.name}`);
  // An existing cluster keeps its machines; --workers only ever adds (removing is `down`).
  const known = existing?.machines.filter((m) => m.role === 'worker').length ?? 0;
  const plan = o.machines ?? planMachines(o.name, Math.max(o.workers, known));
  const machines = await o.provider.ensureMachines(
    { cluster: o.name, machines: plan, sshKey: key },
    (m, s, st, d) => progress.step(m, s, st, d),
  );
  const record: ClusterRecord = {
    name: o.name,
    provider: o.provider.name,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    server: existing?.server ?? '',
    machines: machines.map((m) => ({ ...m })),
  };
  // Recorded before bootstrap, so `kubelab down` finds the machines even if bootstrap fails.
  await writeClusterRecord(record);
  const images = await labImages(progress);
  const result = await bootstrapCluster({
    cluster: o.name,
    profile: o.profile,
    machines,
    knownHostsPath: files.knownHostsPath,
    images,
    progress,
  });
  await writeFile(clusterKubeconfigPath(o.name), result.kubeconfig, { mode: 0o600 });
  record.server = result.server;
  await writeClusterRecord(record);
  return { record, timings: progress.timings };
}

export async function downMachineCluster(record: ClusterRecord): Promise<void> {
  // Machines kubelab did not make are kept: what bootstrap installed on them is removed instead.
  if (record.provider === 'ssh') await teardownMachines(record);
  await machineProvider(record.provider).destroyMachines(record.name);
}

async function teardownMachines(record: ClusterRecord): Promise<void> {
  const knownHostsPath = clusterSshFiles(record.name).knownHostsPath;
  const outcomes = await Promise.allSettled(
    record.machines.map(async (m) => {
      const machine = provisionedMachine(record, m.name);
      const connection = await connectToMachine(machine.name, machine.ssh, {
        knownHostsPath,
        deadlineMs: 30_000,
      });
      try {
        await sshRun(connection, teardownScript(), {
          asRoot: true,
          step: 'remove kubelab',
          timeoutMs: 120_000,
        });
      } finally {
        connection.close();
      }
    }),
  );
  const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  if (failed.length > 0)
    throw new Error(
      `could not remove kubelab from every machine (the cluster record is kept; run \`kubelab down\` again once they answer):\n  ${failed.join('\n  ')}`,
    );
}

async function systemctl(
  record: ClusterRecord,
  machine: ProvisionedMachine,
  verb: 'stop' | 'start',
): Promise<void> {
  const connection = await connectToMachine(machine.name, machine.ssh, {
    knownHostsPath: clusterSshFiles(record.name).knownHostsPath,
    deadlineMs: 120_000,
  });
  try {
    await sshRun(connection, `systemctl ${verb} ${agentUnitName}`, {
      asRoot: true,
      step: `${verb} the agent`,
    });
  } finally {
    connection.close();
  }
}

export async function failMachineNode(
  record: ClusterRecord,
  nodeName: string,
  mode: 'poweroff' | 'partition' | 'agent',
): Promise<void> {
  const machine = provisionedMachine(record, nodeName);
  if (machine.role === 'control-plane' && mode !== 'agent')
    throw new Error(
      `${nodeName} runs the control plane: failing it stops the whole cluster, not one node (this cluster has one control-plane machine); fail a worker, or use --mode agent`,
    );
  if (mode === 'agent') await systemctl(record, machine, 'stop');
  else await machineProvider(record.provider).failMachine(record.name, machine, mode);
}

/** Undoes any failure: the provider's (machine started, network back), then the agent started. */
export async function recoverMachineNode(record: ClusterRecord, nodeName: string): Promise<void> {
  const machine = provisionedMachine(record, nodeName);
  await machineProvider(record.provider).recoverMachine(record.name, machine);
  await systemctl(record, machine, 'start');
}

/**
 * `kubelab images load IMAGE...`: images from this computer's Docker Engine into every node's,
 * without a registry — `docker save` once, then streamed over SSH into `docker load` on all
 * machines at once; a machine that already has these image ids is left alone. Lab images
 * missing here are built first; other images must be pulled or built here first.
 */
export async function loadImagesIntoNodes(
  record: ClusterRecord,
  references: string[],
  out: UpOptions['out'] = process.stdout,
): Promise<void> {
  const docker = new Docker();
  const images: ImagesArchive['images'] = [];
  for (const ref of references) {
    if (findWorkloadImage(ref)) await ensureImage(docker, ref);
    const info = await docker
      .getImage(ref)
      .inspect()
      .catch(() => {
        throw new Error(
          `${ref} is not in this computer's Docker Engine: pull or build it first (docker pull ${ref}), then load it`,
        );
      });
    images.push({ tag: ref, id: info.Id });
  }
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-images-load-'));
  const progress = new ProgressReporter(out);
  const setups: MachineSetup[] = [];
  try {
    const path = join(dir, 'images.tar');
    await saveImages(
      docker,
      images.map((i) => i.tag),
      path,
    );
    const knownHostsPath = clusterSshFiles(record.name).knownHostsPath;
    const outcomes = await Promise.allSettled(
      record.machines.map(async (m) => {
        const setup = await MachineSetup.connect(
          provisionedMachine(record, m.name),
          knownHostsPath,
          progress,
        );
        setups.push(setup);
        await setup.loadImages({ path, images }, 'images');
      }),
    );
    const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
    if (failed.length > 0) throw new Error(`loading images failed:\n  ${failed.join('\n  ')}`);
  } finally {
    progress.close();
    for (const s of setups) s.close();
    await rm(dir, { recursive: true, force: true });
  }
}
