// A cluster's lifecycle for every provider: `up` runs the provider's steps in one order and
// writes the record once; `down`, node failure and recovery pick the record's provider. The
// caller reads the record once and passes it in.
import { mkdir, writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { findProgram } from '../images/build-command.js';
import { listNodeImage } from '../images/index.js';
import type { ProgressSink } from './bootstrap/progress-reporter.js';
import {
  type ClusterPlan,
  type ClusterProvider,
  type NodeFailureMode,
  type PlannedMachine,
  type ProviderName,
  planMachines,
  providerNames,
  type RecoverOutcome,
} from './cluster-provider.js';
import {
  type ClusterRecord,
  clusterDir,
  clusterKubeconfigPath,
  removeClusterRecord,
  writeClusterRecord,
} from './cluster-records.js';
import { MachineCluster, machineProvider } from './machine-cluster.js';
import { SimCluster } from './providers/sim.js';
import type { Inventory } from './providers/ssh-inventory.js';

export function isProviderName(name: string): name is ProviderName {
  return (providerNames as string[]).includes(name);
}

/** The provider of a cluster; `ssh` needs its inventory to create machines, not to fail or destroy them. */
export function clusterProvider(name: string, inventory?: Inventory): ClusterProvider {
  return name === 'sim' ? new SimCluster() : new MachineCluster(machineProvider(name, inventory));
}

/**
 * `kubelab up` without --provider: docker when an engine answers (real machines as containers),
 * otherwise qemu when installed, otherwise sim (no installs at all). Says which and why, since
 * they behave very differently.
 */
export async function defaultProviderName(progress: ProgressSink): Promise<ProviderName> {
  const version = await new Docker()
    .version()
    .then((v) => v.Version)
    .catch((e: Error) => e);
  // Machines need the node image: cached, or buildable here (debootstrap, as root).
  const imageReady =
    Boolean((await listNodeImage({ docker: null }).catch(() => undefined))?.cached) ||
    findProgram('debootstrap') !== undefined;
  let reason: string;
  if (version instanceof Error) reason = `no Docker Engine answers: ${version.message.split('\n')[0]}`;
  else if (!imageReady)
    reason = `Docker Engine ${version} answers, but the node image is not built and debootstrap is missing (apt-get install debootstrap, then kubelab images build node)`;
  else {
    progress.say(
      `provider: docker (Docker Engine ${version} answers; each node is a container-node with its own systemd, sshd and Docker Engine)`,
    );
    return 'docker';
  }
  if (findProgram('qemu-system-x86_64') && imageReady) {
    progress.say(`provider: qemu (${reason}; qemu is installed: each node is a VM)`);
    return 'qemu';
  }
  progress.say(
    `provider: sim (${reason}; no qemu either); nodes are SIMULATED. For real machines: bash scripts/install-docker.sh, then kubelab up --provider docker`,
  );
  return 'sim';
}

export interface UpOptions {
  name: string;
  provider: ClusterProvider;
  /** The cluster's record as it was before this `up` (undefined: a new cluster). */
  existing: ClusterRecord | undefined;
  workers: number;
  /** The machines, when the provider's own list says (an ssh inventory); else planned from `workers`. */
  machines?: PlannedMachine[];
  profile: string;
}

/**
 * Creates or resumes a cluster: the machines made or found, the control plane started, the
 * nodes joined and Ready. Idempotent. The record is written once at the end, also when a step
 * failed, so `kubelab down` finds every machine that was made.
 */
export async function upCluster(o: UpOptions, progress: ProgressSink): Promise<ClusterRecord> {
  const { provider, existing } = o;
  if (existing && existing.provider !== provider.name)
    throw new Error(
      `cluster "${o.name}" exists with provider ${existing.provider}: run \`kubelab down --name ${o.name}\` first, or pick another --name`,
    );
  // An existing cluster keeps its machines; --workers only ever adds (removing is `down`).
  const known = existing?.machines.filter((m) => m.role === 'worker').length ?? 0;
  const plan: ClusterPlan = {
    cluster: o.name,
    profile: o.profile,
    machines: o.machines ?? planMachines(o.name, Math.max(o.workers, known)),
  };
  const record: ClusterRecord = {
    name: o.name,
    provider: provider.name,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    server: existing?.server ?? '',
    machines: [],
  };
  try {
    record.machines = await provider.ensureMachines(plan, existing, progress);
    // On disk as soon as machines exist, and again once the control plane runs (sim records its
    // process ids then): an `up` killed midway (ctrl+c during a long image build) runs no
    // `finally`, and `kubelab down` must still find what it started.
    await writeClusterRecord(record);
    const bootstrap = provider.bootstrap(plan, record, progress);
    try {
      const nodes = provider.nodes(record.machines);
      await bootstrap.prepare(record.machines);
      const controlPlane = await bootstrap.startControlPlane(
        record.machines.filter((m) => m.role === 'control-plane'),
      );
      record.server = controlPlane.server;
      await writeClusterRecord(record);
      // Before any node joins: the sim agents read it, and it is how every command reaches the cluster.
      await mkdir(clusterDir(o.name), { recursive: true, mode: 0o700 });
      await writeFile(clusterKubeconfigPath(o.name), controlPlane.kubeconfig, { mode: 0o600 });
      await bootstrap.join(nodes, controlPlane);
      await bootstrap.waitReady(nodes, controlPlane);
    } finally {
      bootstrap.close();
    }
  } finally {
    progress.close();
    if (record.machines.length > 0) await writeClusterRecord(record);
  }
  return record;
}

/** Removes the cluster's machines, then its record. */
export async function downCluster(record: ClusterRecord): Promise<void> {
  await clusterProvider(record.provider).destroy(record);
  await removeClusterRecord(record.name);
}

export function failNode(record: ClusterRecord, nodeName: string, mode: NodeFailureMode): Promise<void> {
  return clusterProvider(record.provider).failNode(record, nodeName, mode);
}

export function recoverNode(record: ClusterRecord, nodeName: string): Promise<RecoverOutcome> {
  return clusterProvider(record.provider).recoverNode(record, nodeName);
}
