// One real node on Docker Engine: the machine's identity (capacity from its CPUs and memory,
// kernel, OS image, architecture, first non-loopback IPv4, Docker's version) and a NodeAgent
// with the Docker runtime and the real prober, fed by informers that select only this node's
// pods and its Node, as the kubelet's are. Pod volumes live under `<dataDir>/pods`. Docker
// Engine is pinged every few seconds: while it does not answer the node is Ready=False
// ("container runtime is down"); when it answers again every pod is synced again.
import { readFileSync } from 'node:fs';
import { arch, cpus, networkInterfaces, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../../api/profiles.js';
import { type Clock, realClock } from '../../client/clock.js';
import { EventRecorder } from '../../client/event-recorder.js';
import type { ApiClient } from '../../client/rest-client.js';
import { loadProfile } from '../agent-profile.js';
import { KubeletServer } from '../kubelet-server.js';
import { requestServingCertificate } from '../kubelet-serving-cert.js';
import { NodeAgent } from '../node-agent.js';
import type { NodeIdentity } from '../node-registration.js';
import { ContainerProber } from '../probes/prober.js';
import { DockerRuntime, type DockerRuntimeOptions } from '../runtime/docker.js';
import { RuntimeHealth, type RuntimeHealthOptions } from '../runtime-health.js';
import { StatsCollector } from '../stats/stats-collector.js';
import { DockerHostGateway } from './docker-host-gateway.js';
import { NodeHostInformers } from './node-host.js';

/** The first IPv4 address of a real interface (not loopback, not a container bridge). */
export function machineInternalIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|kubelab)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

function osImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? platform();
  } catch {
    return platform();
  }
}

/** Kubernetes' GOARCH names for Node's os.arch(). */
function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

export function machineIdentity(name: string, runtimeVersion: string, nodeIP?: string): NodeIdentity {
  return {
    name,
    capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' },
    internalIP: nodeIP ?? machineInternalIP(),
    runtimeVersion,
    simulated: false,
    os: platform(),
    arch: goArch(),
    kernelVersion: release(),
    osImage: osImage(),
  };
}

export interface DockerNodeOptions {
  client: ApiClient;
  nodeName: string;
  /** The agent's data directory (pod volumes go under `pods/`). */
  dataDir: string;
  runtime?: DockerRuntimeOptions;
  clock?: Clock;
  /** Default: the cluster's kubelab-profile ConfigMap. */
  profile?: Profile;
  backoff?: { initialMs: number; maxMs: number };
  /** Timing of the Docker Engine health check (tests shorten it). */
  health?: Pick<RuntimeHealthOptions, 'intervalMs' | 'timeoutMs' | 'downAfterMs'>;
  /**
   * Serve logs, exec and usage on the kubelet endpoint (HTTPS, default port 10250; 0 picks a
   * free one), to callers holding a client certificate of the cluster CA `clusterCaPem` (the
   * API server). Its serving certificate is asked for with `client`, which must be the node's
   * own credential. Without it the node serves no logs, exec or usage.
   */
  kubelet?: { clusterCaPem: string; port?: number };
  /**
   * The address other machines reach this one at (the kubelet's --node-ip); default: the
   * first address of a real interface, which is wrong on a VM whose first NIC is qemu's NAT.
   */
  nodeIP?: string;
  /**
   * `host-gw`: pods get addresses from this node's pod CIDR on their own bridge and reach pods
   * on other nodes through routes to them (host-gateway.ts). Default: Docker's bridge, for an
   * agent alone on a computer (its pods are reachable only from that computer).
   */
  podNetwork?: 'docker-bridge' | 'host-gw';
  /** How often usage is sampled for /stats/summary (only with `kubelet`; default 5 s). */
  statsIntervalMs?: number;
  log?(message: string): void;
}

export class DockerNode {
  private constructor(
    readonly agent: NodeAgent,
    readonly runtime: DockerRuntime,
    readonly profile: Profile,
    readonly health: RuntimeHealth,
    private readonly informers: NodeHostInformers,
    private readonly prober: ContainerProber,
    private readonly kubelet: KubeletServer | undefined,
    private readonly stats: StatsCollector,
    private readonly podNetwork: DockerHostGateway,
  ) {}

  /** Connects to Docker Engine, registers the Node (Ready when this resolves) and starts syncing pods. */
  static async start(o: DockerNodeOptions): Promise<DockerNode> {
    const clock = o.clock ?? realClock;
    const profile = o.profile ?? (await loadProfile(o.client));
    const runtime = await DockerRuntime.connect({ log: o.log, nodeName: o.nodeName, ...o.runtime });
    const prober = new ContainerProber(clock, runtime);
    // dockerode passes ping's abortSignal to the request; @types/dockerode does not know the option.
    const ping = runtime.docker.ping.bind(runtime.docker) as (options: {
      abortSignal: AbortSignal;
    }) => Promise<unknown>;
    const health = new RuntimeHealth({
      clock,
      ping: (signal) => ping({ abortSignal: signal }),
      log: o.log && ((m) => o.log?.(`kubelet ${o.nodeName}: ${m}`)),
      ...o.health,
    });
    const informers = new NodeHostInformers(o.client, clock, [o.nodeName]);
    const identity = machineIdentity(o.nodeName, runtime.version, o.nodeIP);
    const stats = new StatsCollector({
      nodeName: o.nodeName,
      runtime,
      clock,
      intervalMs: o.statsIntervalMs,
      log: o.log && ((m) => o.log?.(`kubelet ${o.nodeName}: ${m}`)),
    });
    const kubelet = o.kubelet
      ? await KubeletServer.start({
          clusterCaPem: o.kubelet.clusterCaPem,
          // What the API server dials (the InternalIP) and the node's name (the SNI it sends).
          certificates: new Map([
            [
              o.nodeName,
              await requestServingCertificate(o.client, o.nodeName, [identity.internalIP, o.nodeName]),
            ],
          ]),
          client: o.client,
          runtimeFor: (name) => (name === o.nodeName ? runtime : undefined),
          stats: () => stats.summary(),
          port: o.kubelet.port,
        })
      : undefined;
    const podNetwork = new DockerHostGateway({ client: o.client, clock, nodeName: o.nodeName, log: o.log });
    const agent = new NodeAgent({
      client: o.client,
      clock,
      profile,
      identity: kubelet ? { ...identity, kubeletPort: kubelet.port } : identity,
      createRuntime: async (node) => {
        if (o.podNetwork === 'host-gw') await podNetwork.start(node, runtime);
        return { runtime, prober };
      },
      // The host-gateway network needs the pod CIDR node IPAM gives: wait for it.
      podCIDRWaitMs: o.podNetwork === 'host-gw' ? 60_000 : 0,
      runtimeHealth: health,
      pods: informers.pods,
      podsDir: join(o.dataDir, 'pods'),
      backoff: o.backoff,
      log: o.log,
    });
    await agent.start();
    await informers.start(new Map([[o.nodeName, agent]]));
    const recorder = new EventRecorder(o.client, 'kubelet', o.nodeName, clock);
    const nodeRef = { apiVersion: 'v1', kind: 'Node', metadata: { name: o.nodeName } };
    health.onChange((healthy) => {
      // The kubelet's event for a Ready transition (recordNodeStatusEvent).
      const status = healthy ? 'NodeReady' : 'NodeNotReady';
      void recorder.event(nodeRef, 'Normal', status, `Node ${o.nodeName} status is now: ${status}`);
      // Containers may have died or sandboxes vanished while Docker was silent: look at every pod again.
      if (healthy) informers.resync(o.nodeName);
    });
    health.start();
    if (kubelet) stats.start();
    return new DockerNode(agent, runtime, profile, health, informers, prober, kubelet, stats, podNetwork);
  }

  /** Stops the agent; the containers keep running (a restarted agent adopts them). */
  async stop(): Promise<void> {
    this.health.stop();
    this.stats.stop();
    this.informers.stop();
    this.podNetwork.stop();
    this.prober.close();
    await this.kubelet?.close();
    await this.agent.stop();
  }
}
