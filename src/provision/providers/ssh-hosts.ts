// The ssh provider: machines that already exist, listed in an inventory file (ssh-inventory.ts).
// kubelab never creates them and never destroys them. `ensureMachines` only checks that each one
// answers SSH with its key (pinning its host key in the cluster's known_hosts) and that a
// non-root user has passwordless sudo, then hands back the endpoints; `destroyMachines` leaves
// the machines alone. Removing what kubelab installed on them (units, programs, data) is
// bootstrap's, over SSH, the same as installing it: `kubelab down` has to run that teardown
// before calling this, or the machines keep kubelab.
//
// Failure injection cannot reach a real power switch or cable from here, so it is emulated on
// the machine itself, and says so:
//   partition  the machine's firewall drops the other machines (firewall-partition.ts)
//   poweroff   the same partition, then kubelab's services (kubelab-*) and its pod containers
//              are SIGKILLed and Docker Engine is stopped: to the cluster it is exactly a dead
//              machine, but the machine itself, sshd and anything else it runs stay up
//   recover    lifts the partition and starts again exactly the units the poweroff stopped
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentUnitName, serverUnitName } from '../bootstrap/systemd-units.js';
import { clusterDir } from '../cluster-records.js';
import { clusterSshFiles, connectToMachine, type SshConnection, sshRun } from '../ssh/index.js';
import { applyPartition, liftPartition } from './firewall-partition.js';
import type {
  MachineFailureMode,
  MachinePlan,
  MachineProvider,
  ProviderProgress,
  ProvisionedMachine,
} from './machine-provider.js';
import { type Inventory, inventoryMachineEndpoint } from './ssh-inventory.js';

/** What `kubelab node fail --mode poweroff` should tell a person about an ssh-provider machine. */
export const sshPoweroffNote =
  'kubelab cannot cut the power of a machine it did not make: it emulated a power cut instead ' +
  "(the machine is firewalled off from the others, kubelab's services and pod containers were " +
  'killed and Docker Engine stopped); the machine itself and its SSH server keep running';

// /run is a tmpfs: a real reboot forgets the list, and starts the enabled units by itself.
const stoppedUnitsFile = '/run/kubelab-poweroff-units';

/**
 * The emulated power cut (run as root after the partition). The units it stops are added to a
 * list for recover, so running it twice does not forget what the first run stopped.
 */
export function poweroffEmulationScript(): string {
  return [
    'set -e',
    "command -v systemctl >/dev/null 2>&1 || { echo 'this machine has no systemd (systemctl): kubelab can only partition it' >&2; exit 1; }",
    // Exactly the units bootstrap installs: a `kubelab-*` pattern would also match the node
    // image's own kubelab-ssh-host-key.service, and stopping that stops sshd with it.
    'units=',
    `for u in ${agentUnitName} ${serverUnitName} docker.service docker.socket; do`,
    '  if systemctl is-active --quiet "$u"; then units="$units $u"; fi',
    'done',
    `{ cat ${stoppedUnitsFile} 2>/dev/null || true; for u in $units; do echo "$u"; done; } | sort -u > ${stoppedUnitsFile}.new`,
    `mv ${stoppedUnitsFile}.new ${stoppedUnitsFile}`,
    // SIGKILL, as a power cut would: no process gets to tell the cluster it is going.
    'kubelab_units=$(for u in $units; do case $u in kubelab-*) echo $u;; esac; done)',
    'if [ -n "$kubelab_units" ]; then systemctl kill --signal=KILL $kubelab_units || true; systemctl stop $kubelab_units; fi',
    'if command -v docker >/dev/null 2>&1 && systemctl is-active --quiet docker.service; then',
    // A pod that exits between the listing and the kill is not a failure; stopping Docker ends any other.
    '  docker ps -q --filter label=io.kubernetes.pod.uid | xargs -r docker kill >/dev/null || true',
    'fi',
    // The socket first, or a docker command would start the engine again.
    'for u in docker.socket docker.service; do',
    '  if systemctl is-active --quiet "$u"; then systemctl stop "$u"; fi',
    'done',
    '',
  ].join('\n');
}

/** Starts again what the emulated power cut stopped (run as root); nothing when there was none. */
export function poweronEmulationScript(): string {
  return [
    'set -e',
    `if [ -s ${stoppedUnitsFile} ]; then systemctl start $(cat ${stoppedUnitsFile}); fi`,
    `rm -f ${stoppedUnitsFile}`,
    '',
  ].join('\n');
}

/** Why an inventory cannot serve a plan (they must name the same machines with the same roles), or undefined. */
export function inventoryPlanProblem(plan: MachinePlan, inventory: Inventory): string | undefined {
  const listed = new Map(inventory.machines.map((m) => [m.name, m.role]));
  const planned = new Map(plan.machines.map((m) => [m.name, m.role]));
  const missing = plan.machines.filter((m) => !listed.has(m.name)).map((m) => m.name);
  const extra = inventory.machines.filter((m) => !planned.has(m.name)).map((m) => m.name);
  const otherRole = plan.machines.filter((m) => listed.has(m.name) && listed.get(m.name) !== m.role);
  const problems = [
    ...(missing.length ? [`not in ${inventory.source}: ${missing.join(', ')}`] : []),
    ...(extra.length ? [`in ${inventory.source} but not in the plan: ${extra.join(', ')}`] : []),
    ...otherRole.map(
      (m) => `${m.name} is a ${m.role} in the plan but a ${listed.get(m.name)} in ${inventory.source}`,
    ),
  ];
  return problems.length ? problems.join('; ') : undefined;
}

const inventoryRecord = (cluster: string): string => join(clusterDir(cluster), 'inventory.json');

export interface SshHostsProviderOptions {
  /** How long each machine may take to answer SSH (default 20 s: they are meant to be up). */
  connectDeadlineMs?: number;
}

export class SshHostsProvider implements MachineProvider {
  readonly name = 'ssh' as const;
  readonly #inventory: Inventory | undefined;
  readonly #connectDeadlineMs: number;

  /**
   * `inventory` is needed to make a cluster (`kubelab up --inventory FILE`); failing and
   * recovering machines later use the copy `ensureMachines` recorded in the cluster's folder.
   */
  constructor(inventory?: Inventory, options: SshHostsProviderOptions = {}) {
    this.#inventory = inventory;
    this.#connectDeadlineMs = options.connectDeadlineMs ?? 20_000;
  }

  async ensureMachines(plan: MachinePlan, progress: ProviderProgress): Promise<ProvisionedMachine[]> {
    const inventory = this.#inventory;
    if (!inventory)
      throw new Error(
        'the ssh provider uses machines that already exist: list them in an inventory file and pass it ' +
          '(kubelab up --provider ssh --inventory FILE; see examples/inventory.yaml)',
      );
    const mismatch = inventoryPlanProblem(plan, inventory);
    if (mismatch)
      throw new Error(`the plan for cluster ${plan.cluster} and its inventory disagree: ${mismatch}`);

    const byName = new Map(inventory.machines.map((m) => [m.name, inventoryMachineEndpoint(m)]));
    const machines = plan.machines.map((m) => byName.get(m.name)!);
    const knownHostsPath = clusterSshFiles(plan.cluster).knownHostsPath;
    const results = await Promise.allSettled(
      machines.map(async (machine) => {
        progress(machine.name, 'check SSH', 'started');
        const connection = await connectToMachine(machine.name, machine.ssh, {
          knownHostsPath,
          deadlineMs: this.#connectDeadlineMs,
          onRetry: ({ reason }) => progress(machine.name, 'check SSH', 'detail', `waiting: ${reason}`),
        });
        try {
          // Bootstrap installs as root; finding out now names the machine before anything is changed.
          if (!connection.isRoot)
            await sshRun(connection, 'true', {
              asRoot: true,
              step: 'check passwordless sudo',
              timeoutMs: 30_000,
            });
        } finally {
          connection.close();
        }
        progress(machine.name, 'check SSH', 'done');
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length)
      throw new Error(
        `${failed.length} of ${machines.length} machines in ${inventory.source} cannot be used yet:\n` +
          `${failed.map((m) => `  ${m.replaceAll('\n', '\n  ')}`).join('\n')}\n` +
          'Fix them (or the inventory), then run kubelab up again.',
      );

    await mkdir(clusterDir(plan.cluster), { recursive: true, mode: 0o700 });
    await writeFile(inventoryRecord(plan.cluster), `${JSON.stringify(inventory, null, 2)}\n`);
    return machines;
  }

  /** Leaves the machines as they are (removing kubelab from them is bootstrap's teardown); forgets the inventory copy. */
  async destroyMachines(cluster: string): Promise<void> {
    await rm(inventoryRecord(cluster), { force: true });
  }

  async failMachine(cluster: string, machine: ProvisionedMachine, mode: MachineFailureMode): Promise<void> {
    const inventory = await this.#recordedInventory(cluster);
    const peers = inventory.machines.filter((m) => m.name !== machine.name).map((m) => m.address);
    await this.#withConnection(cluster, machine, async (connection) => {
      // The partition first: nothing the dying services say on their way out reaches the cluster.
      await applyPartition(connection, peers);
      if (mode === 'poweroff')
        await sshRun(connection, poweroffEmulationScript(), {
          asRoot: true,
          step: 'emulate a power cut (kill kubelab and its pods, stop Docker Engine)',
          timeoutMs: 120_000,
        });
    });
  }

  async recoverMachine(cluster: string, machine: ProvisionedMachine): Promise<void> {
    await this.#recordedInventory(cluster);
    await this.#withConnection(cluster, machine, async (connection) => {
      // Network first, then services, as a machine that boots brings them up.
      await liftPartition(connection);
      await sshRun(connection, poweronEmulationScript(), {
        asRoot: true,
        step: 'start what the emulated power cut stopped',
        timeoutMs: 120_000,
      });
    });
  }

  async #recordedInventory(cluster: string): Promise<Inventory> {
    try {
      return JSON.parse(await readFile(inventoryRecord(cluster), 'utf8')) as Inventory;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new Error(
        `cluster ${cluster} has no recorded inventory (${inventoryRecord(cluster)}): ` +
          `run kubelab up --name ${cluster} --provider ssh --inventory FILE first`,
      );
    }
  }

  async #withConnection(
    cluster: string,
    machine: ProvisionedMachine,
    act: (connection: SshConnection) => Promise<void>,
  ): Promise<void> {
    const connection = await connectToMachine(machine.name, machine.ssh, {
      knownHostsPath: clusterSshFiles(cluster).knownHostsPath,
      deadlineMs: this.#connectDeadlineMs,
    });
    try {
      await act(connection);
    } finally {
      connection.close();
    }
  }
}
