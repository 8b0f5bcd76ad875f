// `kubelab agent --kubeconfig F --node-name N --runtime sim|docker`: the node agent process.
// With the sim runtime the node and its containers are SIMULATED (in memory); with docker the
// pods are real containers on this machine's Docker Engine and the node reports the machine
// (CPUs, memory, kernel, address). Either way the agent runs with its node's own credential
// (joining with --bootstrap-kubeconfig gets it) and serves the kubelet endpoint with a serving
// certificate of the cluster CA it asks for with that credential; a SIMULATED node serves it
// on 127.0.0.1, its InternalIP. SIGTERM/SIGINT stop heartbeats and leave the Node and its
// pods as they are, as stopping a kubelet does (Docker containers keep running and are
// adopted by the next agent).
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DockerNode } from '../../agent/hosts/docker-node-host.js';
import { SimNodeHost, simNodeAddress } from '../../agent/hosts/sim-node-host.js';
import { defaultKubeletPort } from '../../agent/kubelet-server.js';
import { ensureNodeKubeconfig } from '../../agent/node-credentials.js';
import { parseQuantity } from '../../api/quantity.js';
import { loadKubeconfig } from '../../client/kubeconfig.js';
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
  dataDir?: string;
  kubeletPort?: string;
  bootstrapKubeconfig?: string;
  nodeIp?: string;
  podNetwork: string;
}

function quantity(flag: string, value: string): string {
  try {
    parseQuantity(value);
    return value;
  } catch {
    throw new UsageError(`${flag} must be a quantity (e.g. 4, 500m, 8Gi), got "${value}"`);
  }
}

/** The cluster CA the kubelet endpoint checks callers' client certificates against. */
function clusterCaPem(kubeconfig: string, context: string | undefined): string {
  const caData = loadKubeconfig(kubeconfig, { context }).caData;
  if (!caData)
    throw new UsageError(
      `${kubeconfig} names no certificate-authority-data: the kubelet endpoint needs the cluster CA`,
    );
  return caData;
}

/** --kubelet-port: 10250 for a machine (kube's port), any free port for a SIMULATED node. */
function kubeletPort(o: AgentOptions): number {
  const port = Number(o.kubeletPort ?? (o.runtime === 'sim' ? 0 : defaultKubeletPort));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--kubelet-port must be a port number (0 picks a free one), got "${o.kubeletPort}"`);
  return port;
}

export async function runAgent(o: AgentOptions): Promise<void> {
  if (!o.kubeconfig) throw new UsageError('--kubeconfig FILE is required (the cluster the node joins)');
  if (!o.nodeName) throw new UsageError('--node-name NAME is required');
  if (o.bootstrapKubeconfig) {
    const { joined } = await ensureNodeKubeconfig(o.nodeName, o.kubeconfig, o.bootstrapKubeconfig);
    if (joined)
      process.stdout.write(
        `kubelab agent: node ${o.nodeName} joined; its credential is in ${o.kubeconfig}\n`,
      );
  }
  if (o.runtime !== 'sim' && o.runtime !== 'docker')
    throw new UsageError(`unknown runtime "${o.runtime}"; available: docker, sim (SIMULATED)`);
  if (o.runtime === 'docker') return runDockerAgent(o, o.nodeName, o.kubeconfig);
  const readyDelayMs = Number(o.readyDelayMs);
  if (!Number.isInteger(readyDelayMs) || readyDelayMs < 0)
    throw new UsageError(`--ready-delay-ms must be a whole number >= 0, got "${o.readyDelayMs}"`);
  if (!/^\d+$/.test(o.pods)) throw new UsageError(`--pods must be a whole number, got "${o.pods}"`);
  const client = ApiClient.fromKubeconfig(o.kubeconfig, { context: o.context });
  const host = await SimNodeHost.start({
    client,
    nodeNames: [o.nodeName],
    kubelet: { clusterCaPem: clusterCaPem(o.kubeconfig, o.context), port: kubeletPort(o) },
    capacity: { cpu: quantity('--cpu', o.cpu), memory: quantity('--memory', o.memory), pods: o.pods },
    readyDelayMs,
    // A real agent process waits for its pod CIDR from node IPAM, so pod IPs never overlap.
    podCIDRWaitMs: 10_000,
    log: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
  });
  process.stdout.write(
    `kubelab agent: node ${o.nodeName} registered and Ready (runtime sim: SIMULATED containers; kubelet endpoint ${simNodeAddress}:${host.kubeletPort}; profile ${host.profile.name}) against ${client.server}\n`,
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

async function runDockerAgent(o: AgentOptions, nodeName: string, kubeconfig: string): Promise<void> {
  if (o.podNetwork !== 'docker-bridge' && o.podNetwork !== 'host-gw')
    throw new UsageError(`--pod-network must be docker-bridge or host-gw, got "${o.podNetwork}"`);
  if (o.nodeIp !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(o.nodeIp))
    throw new UsageError(`--node-ip must be an IPv4 address, got "${o.nodeIp}"`);
  const client = ApiClient.fromKubeconfig(kubeconfig, { context: o.context });
  const dataDir =
    o.dataDir ?? join(process.env.KUBELAB_HOME ?? join(homedir(), '.kubelab'), 'agent', nodeName);
  let node: DockerNode;
  try {
    node = await DockerNode.start({
      client,
      nodeName,
      dataDir,
      nodeIP: o.nodeIp,
      podNetwork: o.podNetwork,
      kubelet: { clusterCaPem: clusterCaPem(kubeconfig, o.context), port: kubeletPort(o) },
      log: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
    });
  } catch (e) {
    client.close();
    const message = (e as Error).message;
    throw new Error(
      /ENOENT|ECONNREFUSED|docker\.sock/.test(message)
        ? `cannot reach Docker Engine (${message}); start dockerd, or use --runtime sim`
        : message,
    );
  }
  process.stdout.write(
    `kubelab agent: node ${nodeName} registered and Ready (runtime ${node.runtime.version}; data ${dataDir}; profile ${node.profile.name}) against ${client.server}\n`,
  );
  const stop = async (signal: string) => {
    process.stdout.write(
      `kubelab agent: ${signal}, stopping (containers keep running; the next agent adopts them)\n`,
    );
    await node.stop();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Run the node agent (kubelet) on Docker Engine, or a SIMULATED node with --runtime sim')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster to join')
    .option(
      '--bootstrap-kubeconfig <file>',
      'kubeconfig with a join token: when --kubeconfig does not exist yet, join with it and write --kubeconfig',
    )
    .option('--node-name <name>', 'name of the Node to register')
    .option('--runtime <runtime>', 'container runtime: docker, or sim (SIMULATED)', 'sim')
    .option('--data-dir <dir>', 'docker: where pod volumes live (default $KUBELAB_HOME/agent/<node>)')
    .option(
      '--kubelet-port <port>',
      `HTTPS port of the kubelet endpoint that serves logs, exec and usage (default: docker ${defaultKubeletPort}, sim a free port of ${simNodeAddress})`,
    )
    .option('--node-ip <address>', 'docker: the address other machines reach this one at (InternalIP)')
    .option(
      '--pod-network <mode>',
      'docker: host-gw (pods on a bridge holding the node pod CIDR, routed between machines) or docker-bridge (Docker default bridge; one machine)',
      'docker-bridge',
    )
    .option('--cpu <quantity>', 'sim: CPU capacity to report', '4')
    .option('--memory <quantity>', 'sim: memory capacity to report', '8Gi')
    .option('--pods <count>', 'sim: maximum pods on the node', '110')
    .option('--ready-delay-ms <ms>', 'sim: how long a container takes to become ready', '1000')
    .action(async (_opts: AgentOptions, cmd: Command) => {
      // `kubelab` itself defines --kubeconfig/--context for every command, so they may arrive there.
      await runAgent(cmd.optsWithGlobals<AgentOptions>());
    });
}
