// Clusters of real machines (docker, qemu, vagrant, ssh providers): `up` asks the provider for
// the machines, records them, then bootstraps them over SSH; `down` destroys them; node
// failures are the provider's (poweroff, partition) or bootstrap's over SSH (agent). The cluster
// record keeps each machine's SSH endpoint and address so every later command finds them.

import { writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { bootstrapCluster } from './bootstrap/cluster-bootstrap.js';
import { type ImagesArchive, readImagesArchive } from './bootstrap/machine-setup.js';
import { ProgressReporter } from './bootstrap/progress-reporter.js';
import { agentUnitName } from './bootstrap/systemd-units.js';
import {
  type ClusterRecord,
  clusterKubeconfigPath,
  type MachineRecord,
  readClusterRecord,
  writeClusterRecord,
} from './cluster-records.js';
import { buildWorkloadImages, workloadArchiveName, workloadImagesDir } from './images/index.js';
import { DockerProvider } from './providers/docker-provider.js';
import type { MachineProvider, MachineRole, ProvisionedMachine } from './providers/machine-provider.js';
import { simWorkerName } from './providers/sim.js';
import { clusterSshFiles, connectToMachine, ensureSshKeyPair, sshRun } from './ssh/index.js';

export type MachineProviderName = 'docker' | 'qemu' | 'vagrant' | 'ssh';
export const machineProviderNames: MachineProviderName[] = ['docker'];

export function machineProvider(name: string): MachineProvider {
  if (name === 'docker') return new DockerProvider();
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

function toRecord(m: ProvisionedMachine): MachineRecord {
  return {
    name: m.name,
    role: m.role,
    address: m.address,
    ssh: m.ssh,
    ...(m.apiEndpoint ? { apiEndpoint: m.apiEndpoint } : {}),
  };
}

export function provisionedMachine(record: ClusterRecord, nodeName: string): ProvisionedMachine {
  const m = record.machines.find((x) => x.name === nodeName);
  if (!m?.ssh || !m.address)
    throw new Error(
      `cluster "${record.name}" has no machine named ${nodeName}; its machines: ${record.machines.map((x) => x.name).join(', ')}`,
    );
  return {
    name: m.name,
    role: m.role,
    address: m.address,
    ssh: m.ssh,
    ...(m.apiEndpoint ? { apiEndpoint: m.apiEndpoint } : {}),
  };
}

/** The lab images archive, built here when this computer has Docker Engine (else nodes build on demand). */
async function labImages(progress: ProgressReporter): Promise<ImagesArchive | undefined> {
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
  profile: string;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface UpResult {
  record: ClusterRecord;
  /** Each finished step's duration, per machine (for benchmarks and the summary). */
  timings: ProgressReporter['timings'];
}

export async function upMachineCluster(o: UpOptions): Promise<UpResult> {
  const progress = new ProgressReporter(o.out ?? process.stdout);
  const existing = await readClusterRecord(o.name);
  if (existing && existing.provider !== o.provider.name)
    throw new Error(
      `cluster "${o.name}" exists with provider ${existing.provider}: run \`kubelab down --name ${o.name}\` first, or pick another --name`,
    );
  const files = clusterSshFiles(o.name);
  const key = await ensureSshKeyPair(files.privateKeyPath, `kubelab-${o.name}`);
  // An existing cluster keeps its machines; --workers only ever adds (removing is `down`).
  const known = existing?.machines.filter((m) => m.role === 'worker').length ?? 0;
  const plan = planMachines(o.name, Math.max(o.workers, known));
  const machines = await o.provider.ensureMachines(
    { cluster: o.name, machines: plan, sshKey: key },
    (m, s, st, d) => progress.step(m, s, st, d),
  );
  const record: ClusterRecord = {
    name: o.name,
    provider: o.provider.name,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    server: existing?.server ?? '',
    machines: machines.map(toRecord),
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
  await machineProvider(record.provider).destroyMachines(record.name);
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
