// Clusters of real machines (docker, qemu, vagrant, ssh providers): the machine provider makes,
// fails, recovers and destroys the machines; bootstrap turns them into a cluster over SSH, the
// same way for all four. The cluster record keeps each machine's SSH endpoint and address so
// every later command finds them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureImage, findWorkloadImage, saveImages } from '../images/index.js';
import { provisionedMachine, SshClusterBootstrap } from './bootstrap/cluster-bootstrap.js';
import { type ImagesArchive, MachineSetup } from './bootstrap/machine-setup.js';
import { ProgressReporter, type ProgressSink } from './bootstrap/progress-reporter.js';
import { agentUnitName, teardownScript } from './bootstrap/systemd-units.js';
import type {
  ClusterBootstrap,
  ClusterPlan,
  ClusterProvider,
  NodeFailureMode,
  RecoverOutcome,
} from './cluster-provider.js';
import type { ClusterRecord, MachineRecord } from './cluster-records.js';
import { DockerProvider } from './providers/docker-provider.js';
import type { MachineProvider, ProvisionedMachine } from './providers/machine-provider.js';
import { QemuProvider } from './providers/qemu-machines.js';
import { SshHostsProvider } from './providers/ssh-hosts.js';
import type { Inventory } from './providers/ssh-inventory.js';
import { VagrantProvider } from './providers/vagrant.js';
import { clusterSshFiles, connectToMachine, ensureSshKeyPair, sshRun } from './ssh/index.js';

/** The machine provider of a cluster; `ssh` needs its inventory to create, not to fail or destroy. */
export function machineProvider(name: string, inventory?: Inventory): MachineProvider {
  if (name === 'docker') return new DockerProvider();
  if (name === 'qemu') return new QemuProvider();
  if (name === 'vagrant') return new VagrantProvider();
  if (name === 'ssh') return new SshHostsProvider(inventory);
  throw new Error(
    `provider "${name}" is not part of this build yet; available: sim, docker, qemu, vagrant, ssh`,
  );
}

function machineOf(record: ClusterRecord, nodeName: string): ProvisionedMachine {
  const m = record.machines.find((x) => x.name === nodeName);
  if (!m)
    throw new Error(
      `cluster "${record.name}" has no machine named ${nodeName}; its machines: ${record.machines.map((x) => x.name).join(', ')}`,
    );
  return provisionedMachine(m);
}

export class MachineCluster implements ClusterProvider {
  constructor(private readonly machines: MachineProvider) {}

  get name() {
    return this.machines.name;
  }

  /** Every machine runs an agent: the control plane's Node is tainted so workloads land on workers. */
  nodes(machines: MachineRecord[]): MachineRecord[] {
    return machines;
  }

  async ensureMachines(
    plan: ClusterPlan,
    _existing: ClusterRecord | undefined,
    progress: ProgressSink,
  ): Promise<MachineRecord[]> {
    const files = clusterSshFiles(plan.cluster);
    const sshKey = await ensureSshKeyPair(files.privateKeyPath, `kubelab-${plan.cluster}`);
    const machines = await this.machines.ensureMachines(
      { cluster: plan.cluster, machines: plan.machines, sshKey },
      (m, s, st, d) => progress.step(m, s, st, d),
    );
    return machines.map((m) => ({ ...m }));
  }

  bootstrap(plan: ClusterPlan, _record: ClusterRecord, progress: ProgressSink): ClusterBootstrap {
    return new SshClusterBootstrap({
      cluster: plan.cluster,
      profile: plan.profile,
      knownHostsPath: clusterSshFiles(plan.cluster).knownHostsPath,
      progress,
    });
  }

  async destroy(record: ClusterRecord): Promise<void> {
    // Machines kubelab did not make are kept: what bootstrap installed on them is removed instead.
    if (record.provider === 'ssh') await teardownMachines(record);
    await this.machines.destroyMachines(record.name);
  }

  async failNode(record: ClusterRecord, nodeName: string, mode: NodeFailureMode): Promise<void> {
    const machine = machineOf(record, nodeName);
    if (machine.role === 'control-plane' && mode !== 'agent')
      throw new Error(
        `${nodeName} runs the control plane: failing it stops the whole cluster, not one node (this cluster has one control-plane machine); fail a worker, or use --mode agent`,
      );
    if (mode === 'agent') await systemctl(record, machine, 'stop');
    else await this.machines.failMachine(record.name, machine, mode);
  }

  /** Undoes any failure: the provider's (machine started, network back), then the agent started. */
  async recoverNode(record: ClusterRecord, nodeName: string): Promise<RecoverOutcome> {
    const machine = machineOf(record, nodeName);
    await this.machines.recoverMachine(record.name, machine);
    await systemctl(record, machine, 'start');
    return 'recovered';
  }
}

/** Runs `work` on every machine of the cluster over SSH at once; one error naming all that failed. */
async function onEveryMachineOverSsh(
  record: ClusterRecord,
  what: string,
  work: (m: ProvisionedMachine) => Promise<void>,
): Promise<void> {
  const outcomes = await Promise.allSettled(record.machines.map(async (m) => work(provisionedMachine(m))));
  const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  if (failed.length > 0) throw new Error(`${what}:\n  ${failed.join('\n  ')}`);
}

async function teardownMachines(record: ClusterRecord): Promise<void> {
  const knownHostsPath = clusterSshFiles(record.name).knownHostsPath;
  await onEveryMachineOverSsh(
    record,
    'could not remove kubelab from every machine (the cluster record is kept; run `kubelab down` again once they answer)',
    async (machine) => {
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
    },
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

/**
 * `kubelab images load IMAGE...`: images from this computer's Docker Engine into every node's,
 * without a registry — `docker save` once, then streamed over SSH into `docker load` on all
 * machines at once; a machine that already has these image ids is left alone. Lab images
 * missing here are built first; other images must be pulled or built here first.
 */
export async function loadImagesIntoNodes(
  record: ClusterRecord,
  references: string[],
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stdout,
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
    await onEveryMachineOverSsh(record, 'loading images failed', async (machine) => {
      const setup = await MachineSetup.connect(machine, knownHostsPath, progress);
      setups.push(setup);
      await setup.loadImages({ path, images }, 'images');
    });
  } finally {
    progress.close();
    for (const s of setups) s.close();
    await rm(dir, { recursive: true, force: true });
  }
}
