// Cluster lifecycle: `up`, `down`, `status`, `clusters`, `use`, `kubeconfig`. A cluster is a
// record under $KUBELAB_HOME/clusters/<name>/. The `sim` provider runs the control plane as
// a local background process (simulated worker nodes join it in a later step of the
// product); the machine providers (docker, qemu, vagrant, ssh) provision real machines.
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { profiles } from '../../api/profiles.js';
import type { Table } from '../../api/table/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { findProgram } from '../../images/build-command.js';
import { listNodeImage } from '../../images/index.js';
import { ProgressReporter, type ProgressSink } from '../../provision/bootstrap/progress-reporter.js';
import {
  type ClusterRecord,
  clusterDir,
  clusterKubeconfigPath,
  currentClusterName,
  listClusterNames,
  readClusterRecord,
  removeClusterRecord,
  setCurrentCluster,
  writeClusterRecord,
} from '../../provision/cluster-records.js';
import {
  downMachineCluster,
  machineProvider,
  machineProviderNames,
  upMachineCluster,
} from '../../provision/machine-cluster.js';
import {
  processAlive,
  processFrozen,
  startSimWorkers,
  stopSimMachine,
} from '../../provision/providers/sim.js';
import { type Inventory, inventoryMachines, loadInventory } from '../../provision/providers/ssh-inventory.js';
import { printTable } from '../printers/table-printer.js';
import { UsageError } from '../usage-error.js';
import { tableAccept } from './get.js';

const defaultName = 'kubelab';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function readyz(kubeconfig: string): Promise<string | undefined> {
  if (!existsSync(kubeconfig)) return undefined;
  const client = ApiClient.fromKubeconfig(kubeconfig);
  try {
    return await client.requestText('GET', '/readyz', { query: { verbose: 1 }, timeoutMs: 2000 });
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

async function startLocalControlPlane(name: string, profile: string): Promise<ClusterRecord> {
  const dir = clusterDir(name);
  const dataDir = join(dir, 'server');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const log = openSync(join(dir, 'server.log'), 'a');
  const cliScript = process.argv[1];
  if (!cliScript) throw new Error('cannot locate the kubelab program to start the server with');
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      cliScript,
      'server',
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${port}`,
      '--cluster-name',
      name,
      '--profile',
      profile,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  const record: ClusterRecord = {
    name,
    provider: 'sim',
    createdAt: new Date().toISOString(),
    server: `https://127.0.0.1:${port}`,
    machines: [
      { name: `${name}-control-plane`, role: 'control-plane', pid: child.pid, address: '127.0.0.1' },
    ],
  };
  await writeClusterRecord(record);
  const adminKubeconfig = join(dataDir, 'admin.kubeconfig');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!processAlive(child.pid)) {
      const tail = (await readFile(join(dir, 'server.log'), 'utf8')).split('\n').slice(-10).join('\n');
      throw new Error(
        `the control plane exited during start-up; last lines of ${join(dir, 'server.log')}:\n${tail}`,
      );
    }
    if ((await readyz(adminKubeconfig))?.includes('check passed')) break;
    if (Date.now() > deadline)
      throw new Error(`the control plane did not become ready within 30 s; see ${join(dir, 'server.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await copyFile(adminKubeconfig, clusterKubeconfigPath(name));
  return record;
}

/**
 * `kubelab up` without --provider: docker when an engine answers (real machines as containers),
 * otherwise sim (no installs at all). Says which and why, since the two behave very differently.
 */
async function defaultProvider(progress: ProgressSink): Promise<string> {
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

/** The ssh provider's machines come from an inventory file; no other provider takes one. */
async function inventoryFor(provider: string, path: string | undefined): Promise<Inventory | undefined> {
  if (provider !== 'ssh') {
    if (path) throw new UsageError(`--inventory is for --provider ssh, not ${provider}`);
    return undefined;
  }
  if (!path)
    throw new UsageError(
      '--provider ssh needs --inventory FILE: the machines to use (see examples/inventory.yaml)',
    );
  return loadInventory(path);
}

async function clusterName(given: string | undefined): Promise<string> {
  const name = given ?? (await currentClusterName());
  if (!name) throw new UsageError('no cluster selected: pass --name N or create one with `kubelab up`');
  return name;
}

export const upDefaults = { name: defaultName, workers: '2' } as const;

export interface UpOptions {
  name: string;
  provider?: string;
  workers: string;
  inventory?: string;
  /** Default: lab, or lab-slow on qemu VMs (emulated machines miss lab's 1 s heartbeats). */
  profile?: string;
}

/** `kubelab up`: also what `kubelab tui` runs when there is no cluster to show. */
/**
 * `kubelab up`. Progress goes to `progress`: live lines in the terminal by default, the TUI's
 * start screen when the TUI starts a cluster.
 */
export async function clusterUp(
  o: UpOptions,
  progress: ProgressSink = new ProgressReporter(process.stdout),
): Promise<void> {
  const workers = Number(o.workers);
  if (!Number.isInteger(workers) || workers < 0 || workers > 100) {
    throw new UsageError(`--workers must be a whole number from 0 to 100, got "${o.workers}"`);
  }
  if (o.profile !== undefined && !(o.profile in profiles))
    throw new UsageError(`--profile must be lab, lab-slow or k8s, got "${o.profile}"`);
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(o.name)) {
    throw new UsageError(
      `invalid cluster name "${o.name}": use lower-case letters, digits and '-' (at most 42)`,
    );
  }
  const existing = await readClusterRecord(o.name);
  const provider = o.provider ?? existing?.provider ?? (await defaultProvider(progress));
  if (provider !== 'sim' && !(machineProviderNames as string[]).includes(provider))
    throw new UsageError(
      `unknown provider "${provider}"; available: sim, ${machineProviderNames.join(', ')}`,
    );
  const profile = o.profile ?? (provider === 'qemu' ? 'lab-slow' : 'lab');
  if (o.profile === undefined && profile !== 'lab')
    progress.say(
      `profile: ${profile} (qemu VMs may run emulated, ~20x slower: lab's 1 s heartbeats would make healthy nodes flap; --profile lab to insist)`,
    );
  if (provider !== 'sim') {
    const started = Date.now();
    progress.say(
      `${existing ? 'checking' : 'creating'} cluster "${o.name}" with provider ${provider}: 1 control-plane machine + ${workers} worker(s)`,
    );
    const inventory = await inventoryFor(provider, o.inventory);
    const { record } = await upMachineCluster({
      name: o.name,
      provider: machineProvider(provider, inventory),
      workers,
      machines: inventory && inventoryMachines(inventory),
      profile,
      progress,
    });
    await setCurrentCluster(o.name);
    progress.say(
      `cluster "${o.name}" ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${record.machines.length} nodes Ready, API server ${record.server}\ncurrent cluster: ${o.name} (kubeconfig: ${clusterKubeconfigPath(o.name)}; try \`kubelab get nodes -o wide\`)`,
    );
    return;
  }
  if (existing && existing.provider !== 'sim')
    throw new UsageError(
      `cluster "${o.name}" exists with provider ${existing.provider}: run \`kubelab down --name ${o.name}\` first, or pick another --name`,
    );
  const cp = existing?.machines.find((m) => m.role === 'control-plane');
  if (existing && processAlive(cp?.pid) && (await readyz(clusterKubeconfigPath(o.name)))) {
    progress.say(
      `cluster "${o.name}" is already running (provider ${existing.provider}) at ${existing.server}`,
    );
  } else {
    progress.say(`starting cluster "${o.name}" with provider sim (control plane as a local process)...`);
    const started = Date.now();
    const record = await startLocalControlPlane(o.name, profile);
    progress.say(
      `control plane ready at ${record.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  if (workers > 0) {
    const started = Date.now();
    progress.say(`starting ${workers} SIMULATED worker node(s)...`);
    const machines = await startSimWorkers(o.name, workers);
    for (const m of machines) progress.say(`  ${m.name} Ready (SIMULATED)`);
    progress.say(`workers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await setCurrentCluster(o.name);
  progress.say(`current cluster: ${o.name} (kubeconfig: ${clusterKubeconfigPath(o.name)})`);
}

export function registerLifecycle(program: Command): void {
  program
    .command('up')
    .description('Create or resume a cluster (idempotent)')
    .option('--name <name>', 'cluster name', upDefaults.name)
    .option(
      '--provider <provider>',
      'where machines run: docker (container-nodes), qemu (VMs), vagrant (VMs from the Vagrantfile), ssh (your machines, --inventory), sim (local, SIMULATED nodes); default: docker when Docker Engine answers, else qemu when installed, else sim',
    )
    .option('--workers <count>', 'number of worker nodes', upDefaults.workers)
    .option('--inventory <file>', 'ssh provider: the machines to use (see examples/inventory.yaml)')
    .option(
      '--profile <profile>',
      'timers: lab (failover in ~10 s; default), lab-slow (~25 s, for emulated VMs; default with qemu) or k8s (upstream defaults)',
    )
    .action((o: UpOptions) => clusterUp(o));

  program
    .command('down')
    .description('Stop a cluster and remove its machines and record')
    .option('--name <name>', 'cluster name (default: the current cluster)')
    .action(async (o: { name?: string }) => {
      const name = await clusterName(o.name);
      const record = await readClusterRecord(name);
      if (!record) throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
      if (record.provider !== 'sim') {
        await downMachineCluster(record);
        await removeClusterRecord(name);
        process.stdout.write(
          `cluster "${name}" deleted: its machines (${record.machines.map((m) => m.name).join(', ')}) and what the ${record.provider} provider made for them are gone\n`,
        );
        return;
      }
      // Workers first, so no agent is left talking to a control plane that is gone.
      for (const m of [...record.machines].sort((a, b) =>
        a.role === b.role ? 0 : a.role === 'worker' ? -1 : 1,
      )) {
        await stopSimMachine(name, m.name);
      }
      await removeClusterRecord(name);
      process.stdout.write(`cluster "${name}" deleted\n`);
    });

  program
    .command('status')
    .description('Show the current cluster, its machines and control-plane health')
    .option('--name <name>', 'cluster name (default: the current cluster)')
    .action(async (o: { name?: string }) => {
      const name = await clusterName(o.name);
      const record = await readClusterRecord(name);
      if (!record) throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
      process.stdout.write(
        `cluster:  ${record.name}\nprovider: ${record.provider}${record.provider === 'sim' ? ' (SIMULATED)' : ''}\nserver:   ${record.server}\n`,
      );
      for (const m of record.machines) {
        if (record.provider !== 'sim') {
          process.stdout.write(
            `machine:  ${m.name} (${m.role}) ${m.address ?? ''} ssh ${m.ssh?.user}@${m.ssh?.address}:${m.ssh?.port}\n`,
          );
          continue;
        }
        const state = !processAlive(m.pid)
          ? 'stopped'
          : (await processFrozen(m.pid))
            ? 'frozen (partitioned)'
            : 'running';
        process.stdout.write(`machine:  ${m.name} (${m.role}) ${state}${m.pid ? ` pid ${m.pid}` : ''}\n`);
      }
      const health = await readyz(clusterKubeconfigPath(name));
      if (!health) {
        process.stdout.write('health:   API server not reachable (try `kubelab up`)\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`health:\n${health.replace(/^(?=.)/gm, '  ')}`);
      const client = ApiClient.fromKubeconfig(clusterKubeconfigPath(name));
      try {
        const nodes = await client.request<Table>('GET', '/api/v1/nodes', { accept: tableAccept });
        process.stdout.write(
          `nodes:\n${(printTable(nodes, {}) || 'No nodes yet\n').replace(/^(?=.)/gm, '  ')}`,
        );
      } finally {
        client.close();
      }
    });

  program
    .command('clusters')
    .description('List clusters (* marks the current one)')
    .action(async () => {
      const current = await currentClusterName();
      const names = await listClusterNames();
      if (names.length === 0) process.stdout.write('no clusters (create one with `kubelab up`)\n');
      for (const n of names) {
        const r = await readClusterRecord(n);
        process.stdout.write(
          `${n === current ? '*' : ' '} ${n}\t${r?.provider ?? '?'}\t${r?.server ?? ''}\n`,
        );
      }
    });

  program
    .command('use')
    .description('Make a cluster the current one')
    .argument('<name>')
    .action(async (name: string) => {
      if (!(await readClusterRecord(name)))
        throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
      await setCurrentCluster(name);
      process.stdout.write(`current cluster: ${name}\n`);
    });

  program
    .command('kubeconfig')
    .description('Print the kubeconfig of a cluster (real kubectl works with it)')
    .option('--name <name>', 'cluster name (default: the current cluster)')
    .action(async (o: { name?: string }) => {
      const name = await clusterName(o.name);
      const path = clusterKubeconfigPath(name);
      if (!existsSync(path))
        throw new UsageError(`cluster "${name}" has no kubeconfig yet (run \`kubelab up --name ${name}\`)`);
      process.stdout.write(await readFile(path, 'utf8'));
    });
}
