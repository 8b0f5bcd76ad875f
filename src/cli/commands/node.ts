// `kubelab node fail NODE [--mode poweroff|partition|agent]` and `kubelab node recover NODE`:
// failure injection on the current cluster's worker nodes (sim provider: the node's agent
// process is stopped, frozen or killed through the OS).
import type { Command } from 'commander';
import { currentClusterName, readClusterRecord } from '../../provision/cluster-records.js';
import {
  failSimNode,
  type NodeFailureMode,
  nodeFailureModes,
  recoverSimNode,
} from '../../provision/providers/sim.js';
import { UsageError } from '../usage-error.js';

const modeMeaning: Record<NodeFailureMode, string> = {
  poweroff: 'killed (SIGKILL): the node and its SIMULATED containers are gone',
  partition: 'frozen (SIGSTOP): no heartbeats, no updates; its containers keep "running"',
  agent: 'agent stopped (SIGTERM): heartbeats stop, pods keep their last status',
};

async function simCluster(given: string | undefined): Promise<string> {
  const name = given ?? (await currentClusterName());
  if (!name) throw new UsageError('no cluster selected: pass --cluster N or create one with `kubelab up`');
  const record = await readClusterRecord(name);
  if (!record) throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
  if (record.provider !== 'sim')
    throw new UsageError(
      `node failure injection for provider "${record.provider}" is not part of this build yet`,
    );
  return name;
}

export function registerNode(program: Command): void {
  const node = program.command('node').description('Failure injection on worker nodes');
  node
    .command('fail')
    .description('Fail a node: poweroff (default), partition (network cut) or agent (agent stopped)')
    .argument('<node>')
    .option('--mode <mode>', `one of ${nodeFailureModes.join(', ')}`, 'poweroff')
    .option('--cluster <name>', 'cluster (default: the current cluster)')
    .action(async (nodeName: string, o: { mode: string; cluster?: string }) => {
      if (!nodeFailureModes.includes(o.mode as NodeFailureMode))
        throw new UsageError(`--mode must be one of ${nodeFailureModes.join(', ')}, got "${o.mode}"`);
      const cluster = await simCluster(o.cluster);
      await failSimNode(cluster, nodeName, o.mode as NodeFailureMode);
      process.stdout.write(
        `node ${nodeName} failed (${o.mode}): ${modeMeaning[o.mode as NodeFailureMode]}\n`,
      );
    });
  node
    .command('recover')
    .description('Bring a failed node back (resume a frozen agent, or restart a stopped one)')
    .argument('<node>')
    .option('--cluster <name>', 'cluster (default: the current cluster)')
    .action(async (nodeName: string, o: { cluster?: string }) => {
      const cluster = await simCluster(o.cluster);
      const outcome = await recoverSimNode(cluster, nodeName);
      const said = {
        resumed: 'resumed (SIGCONT); it catches up with what changed while it was frozen',
        restarted: 'agent restarted; the node is Ready again',
        running: 'was not failed; nothing to do',
      };
      process.stdout.write(`node ${nodeName} ${said[outcome]}\n`);
    });
  for (const cmd of node.commands) cmd.exitOverride();
  node.exitOverride();
}
