// `kubelab node fail NODE [--mode poweroff|partition|agent]` and `kubelab node recover NODE`:
// failure injection on the current cluster's worker nodes (sim provider: the node's agent
// process is stopped, frozen or killed through the OS; machine providers: the machine is
// powered off or cut off the network by its provider, or its agent stopped over SSH).
import type { Command } from 'commander';
import { failNode, recoverNode } from '../../provision/cluster-lifecycle.js';
import {
  type NodeFailureMode,
  nodeFailureModes,
  type RecoverOutcome,
} from '../../provision/cluster-provider.js';
import {
  type ClusterRecord,
  currentClusterName,
  readClusterRecord,
} from '../../provision/cluster-records.js';
import { sshPoweroffNote } from '../../provision/providers/ssh-hosts.js';
import { UsageError } from '../usage-error.js';

const modeMeaning: Record<NodeFailureMode, string> = {
  poweroff: 'killed (SIGKILL): the node and its SIMULATED containers are gone',
  partition: 'frozen (SIGSTOP): no heartbeats, no updates; its containers keep "running"',
  agent: 'agent stopped (SIGTERM): heartbeats stop, pods keep their last status',
};

async function clusterRecord(given: string | undefined): Promise<ClusterRecord> {
  const name = given ?? (await currentClusterName());
  if (!name) throw new UsageError('no cluster selected: pass --cluster N or create one with `kubelab up`');
  const record = await readClusterRecord(name);
  if (!record) throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
  return record;
}

const machineModeMeaning: Record<NodeFailureMode, string> = {
  poweroff: 'machine powered off: it and its containers are gone until `kubelab node recover`',
  partition: 'machine cut off from the control plane and the other nodes; its containers keep running',
  agent: 'agent stopped (systemctl stop kubelab-agent): heartbeats stop, containers keep running',
};

const recovered: Record<RecoverOutcome, string> = {
  resumed: 'resumed (SIGCONT); it catches up with what changed while it was frozen',
  restarted: 'agent restarted; the node is Ready again',
  running: 'was not failed; nothing to do',
  recovered: 'recovered: machine running and on the network, agent started; it turns Ready within seconds',
};

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
      const record = await clusterRecord(o.cluster);
      const mode = o.mode as NodeFailureMode;
      await failNode(record, nodeName, mode);
      const meaning =
        record.provider === 'sim'
          ? modeMeaning[mode]
          : record.provider === 'ssh' && mode === 'poweroff'
            ? sshPoweroffNote
            : machineModeMeaning[mode];
      process.stdout.write(`node ${nodeName} failed (${mode}): ${meaning}\n`);
    });
  node
    .command('recover')
    .description('Bring a failed node back (resume a frozen agent, or restart a stopped one)')
    .argument('<node>')
    .option('--cluster <name>', 'cluster (default: the current cluster)')
    .action(async (nodeName: string, o: { cluster?: string }) => {
      const outcome = await recoverNode(await clusterRecord(o.cluster), nodeName);
      process.stdout.write(`node ${nodeName} ${recovered[outcome]}\n`);
    });
  for (const cmd of node.commands) cmd.exitOverride();
  node.exitOverride();
}
