// `kubelab dashboard`: the blessed-contrib wall (usage charts, pods per node, rollouts, events)
// on the current cluster, or --kubeconfig's. A separate command and process from the Ink TUI:
// the two libraries cannot share a terminal. It only shows a cluster; with none it says how to
// make one. The wall lives in src/dashboard and is loaded only here, so other commands do not
// pay for blessed at start-up.
import type { Command } from 'commander';
import { currentClusterName, readClusterRecord } from '../../provision/cluster-records.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';

export async function openDashboard(opts: GlobalOptions): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError('kubelab dashboard needs a terminal: run it with stdin and stdout on a TTY');
  // connect() refuses, naming `kubelab up`, when there is no cluster to show.
  const { client } = await connect(opts);
  const explicit = Boolean(opts.kubeconfig || process.env.KUBECONFIG);
  const name = explicit ? undefined : await currentClusterName();
  const record = name ? await readClusterRecord(name) : undefined;
  const { runDashboard } = await import('../../dashboard/run-dashboard.js');
  await runDashboard({
    client,
    cluster: record?.name ?? client.server,
    provider: record?.provider,
    namespace: opts.namespace,
  });
}

export function registerDashboard(program: Command, globals: () => GlobalOptions): void {
  program
    .command('dashboard')
    .description(
      'A full-screen metrics wall: node cpu and memory over time, pods per node, rollouts and events (q quits)',
    )
    .action(() => openDashboard(globals()));
}
