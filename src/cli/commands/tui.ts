// `kubelab tui`, and `kubelab` alone in a terminal: the live terminal UI on the current
// cluster (or --kubeconfig's). With no cluster at all it offers to start one and shows
// `kubelab up`'s progress per machine inside the UI, then opens on that cluster. The UI itself
// lives in src/tui and is loaded only here, so other commands do not pay for React and Ink.
import type { Command } from 'commander';
import type { ProgressSink } from '../../provision/bootstrap/progress-reporter.js';
import {
  type ClusterRecord,
  currentClusterName,
  readClusterRecord,
} from '../../provision/cluster-records.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { clusterUp, upDefaults } from './lifecycle.js';

function clusterLabel(record: ClusterRecord): string {
  return `${record.name} (${record.provider}${record.provider === 'sim' ? ', SIMULATED nodes' : ''})`;
}

async function currentRecord(): Promise<ClusterRecord | undefined> {
  const name = await currentClusterName();
  if (!name) return undefined;
  const record = await readClusterRecord(name);
  if (!record)
    throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`, or \`kubelab up\`)`);
  return record;
}

export async function openTui(opts: GlobalOptions): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError('kubelab tui needs a terminal: run it with stdin and stdout on a TTY');
  // --kubeconfig / $KUBECONFIG: any cluster real kubectl could reach, not necessarily kubelab's.
  const external = Boolean(opts.kubeconfig || process.env.KUBECONFIG);
  const record = external ? undefined : await currentRecord();
  const open = async (cluster: ClusterRecord | undefined) => {
    const { client } = await connect(opts);
    return { client, cluster, clusterLabel: cluster ? clusterLabel(cluster) : client.server };
  };
  const { runTui } = await import('../../tui/run-tui.js');
  const { ClusterNotStarted } = await import('../../tui/tui-root.js');
  try {
    await runTui({
      cluster: external || record ? await open(record) : undefined,
      startCluster: async (progress: ProgressSink) => open(await clusterUp({ ...upDefaults }, progress)),
      namespace: opts.namespace,
    });
  } catch (e) {
    if (!(e instanceof ClusterNotStarted)) throw e;
    process.stderr.write(`${e.message}\n`);
    // A start left running (ctrl+c) holds SSH connections and timers: nothing else to wait for.
    process.exit(e.reason === 'declined' ? 0 : e.reason === 'interrupted' ? 130 : 1);
  }
}

export function registerTui(program: Command, globals: () => GlobalOptions): void {
  program
    .command('tui')
    .description(
      'The live terminal UI: nodes, pods, rollouts and events as they happen (kubelab alone does the same); with no cluster it offers to start one',
    )
    .action(() => openTui(globals()));
}
