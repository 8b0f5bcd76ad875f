import type { Command } from 'commander';
import { profiles } from '../../api/profiles.js';
import type { Table } from '../../api/table/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { readyzAt } from '../../provision/api-server-health.js';
import { ProgressReporter, type ProgressSink } from '../../provision/bootstrap/progress-reporter.js';
import {
  clusterProvider,
  defaultProviderName,
  downCluster,
  isProviderName,
  upCluster,
} from '../../provision/cluster-lifecycle.js';
import { providerNames } from '../../provision/cluster-provider.js';
import {
  type ClusterRecord,
  clusterKubeconfigPath,
  currentClusterName,
  listClusterNames,
  readClusterRecord,
  setCurrentCluster,
} from '../../provision/cluster-records.js';
import { processAlive, processFrozen } from '../../provision/providers/sim.js';
import { type Inventory, inventoryMachines, loadInventory } from '../../provision/providers/ssh-inventory.js';
import { storeSummary } from '../printers/store-summary.js';
import { printTable } from '../printers/table-printer.js';
import { UsageError } from '../usage-error.js';
import { tableAccept } from './get.js';

const defaultName = 'kubelab';

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

export async function clusterName(given: string | undefined): Promise<string> {
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

/**
 * `kubelab up`, also what `kubelab tui` runs when there is no cluster to show. Progress goes to
 * `progress`: live lines in the terminal by default, the TUI's start screen when the TUI starts
 * a cluster. Resolves to the cluster's record, which is now the current cluster.
 */
export async function clusterUp(
  o: UpOptions,
  progress: ProgressSink = new ProgressReporter(process.stdout),
): Promise<ClusterRecord> {
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
  // The one read of the record in this `up`: provision gets it from here.
  const existing = await readClusterRecord(o.name);
  const provider = o.provider ?? existing?.provider ?? (await defaultProviderName(progress));
  if (!isProviderName(provider))
    throw new UsageError(`unknown provider "${provider}"; available: ${providerNames.join(', ')}`);
  const profile = o.profile ?? (provider === 'qemu' ? 'lab-slow' : 'lab');
  if (o.profile === undefined && profile !== 'lab')
    progress.say(
      `profile: ${profile} (qemu VMs may run emulated, ~20x slower: lab's 1 s heartbeats would make healthy nodes flap; --profile lab to insist)`,
    );
  const started = Date.now();
  // sim tells its own story (control plane, then SIMULATED workers); machines get a headline.
  if (provider !== 'sim')
    progress.say(
      `${existing ? 'checking' : 'creating'} cluster "${o.name}" with provider ${provider}: 1 control-plane machine + ${workers} worker(s)`,
    );
  const inventory = await inventoryFor(provider, o.inventory);
  const record = await upCluster(
    {
      name: o.name,
      provider: clusterProvider(provider, inventory),
      existing,
      workers,
      machines: inventory && inventoryMachines(inventory),
      profile,
    },
    progress,
  );
  await setCurrentCluster(o.name);
  const kubeconfig = clusterKubeconfigPath(o.name);
  progress.say(
    provider === 'sim'
      ? `current cluster: ${o.name} (kubeconfig: ${kubeconfig})`
      : `cluster "${o.name}" ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${record.machines.length} nodes Ready, API server ${record.server}\ncurrent cluster: ${o.name} (kubeconfig: ${kubeconfig}; try \`kubelab get nodes -o wide\`)`,
  );
  return record;
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
    .action(async (o: UpOptions) => {
      await clusterUp(o);
    });

  program
    .command('down')
    .description('Stop a cluster and remove its machines and record')
    .option('--name <name>', 'cluster name (default: the current cluster)')
    .action(async (o: { name?: string }) => {
      const name = await clusterName(o.name);
      const record = await readClusterRecord(name);
      if (!record) throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
      await downCluster(record);
      process.stdout.write(
        record.provider === 'sim'
          ? `cluster "${name}" deleted\n`
          : `cluster "${name}" deleted: its machines (${record.machines.map((m) => m.name).join(', ')}) and what the ${record.provider} provider made for them are gone\n`,
      );
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
      const health = await readyzAt(clusterKubeconfigPath(name));
      if (!health) {
        process.stdout.write('health:   API server not reachable (try `kubelab up`)\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`health:\n${health.replace(/^(?=.)/gm, '  ')}`);
      const client = ApiClient.fromKubeconfig(clusterKubeconfigPath(name));
      try {
        const store = storeSummary(await client.requestText('GET', '/metrics').catch(() => ''));
        if (store) process.stdout.write(`store:    ${store}\n`);
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
}
