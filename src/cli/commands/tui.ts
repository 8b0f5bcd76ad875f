// `kubelab tui`, and `kubelab` alone in a terminal: the live terminal UI on the current
// cluster (or --kubeconfig's). With no cluster at all it offers to start one, showing
// `kubelab up`'s progress, then opens. The UI itself lives in src/tui and is loaded only here,
// so other commands do not pay for React and Ink at start-up.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  type ClusterRecord,
  currentClusterName,
  readClusterRecord,
} from '../../provision/cluster-records.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { clusterUp, upDefaults } from './lifecycle.js';

async function offerCluster(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(
      'There is no kubelab cluster yet. Start one now with `kubelab up` (default provider, 2 workers)? [Y/n] ',
    );
    return !/^n/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The kubelab cluster the TUI will show, starting one if the user agrees; undefined for --kubeconfig / $KUBECONFIG. */
async function clusterToShow(opts: GlobalOptions): Promise<ClusterRecord | undefined> {
  if (opts.kubeconfig || process.env.KUBECONFIG) return undefined;
  let name = await currentClusterName();
  if (!name) {
    if (!(await offerCluster()))
      throw new UsageError('no cluster selected: create one with `kubelab up`, or pass --kubeconfig FILE');
    await clusterUp({ ...upDefaults });
    name = await currentClusterName();
  }
  const record = name ? await readClusterRecord(name) : undefined;
  if (!record)
    throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`, or \`kubelab up\`)`);
  return record;
}

export async function openTui(opts: GlobalOptions): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError('kubelab tui needs a terminal: run it with stdin and stdout on a TTY');
  const cluster = await clusterToShow(opts);
  const { client } = await connect(opts);
  const { runTui } = await import('../../tui/run-tui.js');
  await runTui({
    client,
    cluster,
    clusterLabel: cluster
      ? `${cluster.name} (${cluster.provider}${cluster.provider === 'sim' ? ', SIMULATED nodes' : ''})`
      : client.server,
    namespace: opts.namespace,
  });
}

export function registerTui(program: Command, globals: () => GlobalOptions): void {
  program
    .command('tui')
    .description(
      'The live terminal UI: nodes, pods, rollouts and events as they happen (kubelab alone does the same)',
    )
    .action(() => openTui(globals()));
}
