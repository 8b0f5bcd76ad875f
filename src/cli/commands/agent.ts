// `kubelab agent --kubeconfig F --node-name N --runtime sim`: the node agent process. With
// the sim runtime the node and its containers are SIMULATED (in memory); the Docker Engine
// runtime arrives in a later step. SIGTERM/SIGINT stop heartbeats and leave the Node and its
// pods as they are, as stopping a kubelet does.
import type { Command } from 'commander';
import { SimNodeHost } from '../../agent/sim-node-host.js';
import { parseQuantity } from '../../api/quantity.js';
import { ApiClient } from '../../client/rest-client.js';
import { UsageError } from '../usage-error.js';

interface AgentOptions {
  kubeconfig?: string;
  context?: string;
  nodeName?: string;
  runtime: string;
  cpu: string;
  memory: string;
  pods: string;
  readyDelayMs: string;
}

function quantity(flag: string, value: string): string {
  try {
    parseQuantity(value);
    return value;
  } catch {
    throw new UsageError(`${flag} must be a quantity (e.g. 4, 500m, 8Gi), got "${value}"`);
  }
}

export async function runAgent(o: AgentOptions): Promise<void> {
  if (!o.kubeconfig) throw new UsageError('--kubeconfig FILE is required (the cluster the node joins)');
  if (!o.nodeName) throw new UsageError('--node-name NAME is required');
  if (o.runtime !== 'sim')
    throw new UsageError(`runtime "${o.runtime}" is not part of this build yet; available: sim (SIMULATED)`);
  const readyDelayMs = Number(o.readyDelayMs);
  if (!Number.isInteger(readyDelayMs) || readyDelayMs < 0)
    throw new UsageError(`--ready-delay-ms must be a whole number >= 0, got "${o.readyDelayMs}"`);
  if (!/^\d+$/.test(o.pods)) throw new UsageError(`--pods must be a whole number, got "${o.pods}"`);
  const client = ApiClient.fromKubeconfig(o.kubeconfig, { context: o.context });
  const host = await SimNodeHost.start({
    client,
    nodeNames: [o.nodeName],
    capacity: { cpu: quantity('--cpu', o.cpu), memory: quantity('--memory', o.memory), pods: o.pods },
    readyDelayMs,
    // A real agent process waits for its pod CIDR from node IPAM, so pod IPs never overlap.
    podCIDRWaitMs: 10_000,
    log: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
  });
  process.stdout.write(
    `kubelab agent: node ${o.nodeName} registered and Ready (runtime sim: SIMULATED containers; profile ${host.profile.name}) against ${client.server}\n`,
  );
  const stop = async (signal: string) => {
    process.stdout.write(`kubelab agent: ${signal}, stopping (the Node and its pods stay as they are)\n`);
    await host.stop();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Run the node agent (kubelet); --runtime sim runs a SIMULATED node')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster to join')
    .option('--node-name <name>', 'name of the Node to register')
    .option('--runtime <runtime>', 'container runtime: sim (SIMULATED)', 'sim')
    .option('--cpu <quantity>', 'CPU capacity to report', '4')
    .option('--memory <quantity>', 'memory capacity to report', '8Gi')
    .option('--pods <count>', 'maximum pods on the node', '110')
    .option('--ready-delay-ms <ms>', 'sim: how long a container takes to become ready', '1000')
    .action(async (_opts: AgentOptions, cmd: Command) => {
      // `kubelab` itself defines --kubeconfig/--context for every command, so they may arrive there.
      await runAgent(cmd.optsWithGlobals<AgentOptions>());
    });
}
