// Many SIMULATED nodes in one process (kwok-style): every node is a full NodeAgent with its
// own sim runtime, Lease and pod sync loop, but they share ONE pods informer (all bound pods,
// indexed by spec.nodeName) and one nodes informer, and their lease renewals are spread evenly
// over the renew interval. Each node writes with its own credential when it has one (the node
// authorizer lets node X write only X's objects); the shared informers read with one client,
// which any node's credential may be. `kubelab agent --runtime sim` is a host with one node,
// whose informers select only that node's pods and Node.
//
// SIMULATED nodes live on this computer, so they publish a loopback address as their
// InternalIP and, when they serve the kubelet endpoint, listen there (one listener for all
// nodes of the host, each answering with its own certificate by SNI): whatever dials a
// SIMULATED node (the API server for logs, a NodePort client) stays on this machine.
import type { Profile } from '../../api/profiles.js';
import { type Clock, realClock } from '../../client/clock.js';
import type { ApiClient } from '../../client/rest-client.js';
import { loadProfile } from '../agent-profile.js';
import { KubeletServer, type KubeletServingCertificate } from '../kubelet-server.js';
import { requestServingCertificate } from '../kubelet-serving-cert.js';
import { NodeAgent } from '../node-agent.js';
import type { NodeCapacity } from '../node-registration.js';
import { derivedPodCIDR } from '../pod-network.js';
import { SimRuntime, simRuntimeVersion } from '../runtime/sim.js';
import { NodeHostInformers } from './node-host.js';

/** The InternalIP of every SIMULATED node, and where its kubelet endpoint listens. */
export const simNodeAddress = '127.0.0.1';

export const defaultSimCapacity: NodeCapacity = { cpu: '4', memory: '8Gi', pods: '110' };

export interface SimNodeHostOptions {
  /** Lists and watches pods and Nodes for all the nodes; writes for a node without `nodeClient`. */
  client: ApiClient;
  /** Node X's own credential, for all X writes and its serving certificate (default: `client`). */
  nodeClient?(nodeName: string): ApiClient;
  nodeNames: string[];
  /**
   * Serve logs and exec on the kubelet endpoint, on `simNodeAddress` (port 0: a free one), for
   * callers holding a client certificate of the cluster CA `clusterCaPem` (the API server).
   * Each node asks for its serving certificate with its own credential (`nodeClient`, or
   * `client` in a host of one node): the CA issues it only to the node asking.
   */
  kubelet?: { clusterCaPem: string; port?: number };
  clock?: Clock;
  /** Default: read from the cluster's kubelab-profile ConfigMap. */
  profile?: Profile;
  capacity?: NodeCapacity;
  /** How long an ordinary sim container takes to become ready (default 1 s). */
  readyDelayMs?: number;
  /** Cap on the simulated graceful-stop time (default 2 s). */
  maxStopDelayMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** See NodeAgentOptions.podCIDRWaitMs. */
  podCIDRWaitMs?: number;
  /** How many nodes register (and get certificates) at once (default 50), so a thousand do not stampede the server. */
  registerConcurrency?: number;
  log?(message: string): void;
}

/** Runs `fn` on every item, at most `concurrency` at once. */
async function eachConcurrently<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}

export class SimNodeHost {
  readonly agents = new Map<string, NodeAgent>();
  readonly informers: NodeHostInformers;
  private readonly runtimes = new Map<string, SimRuntime>();
  private kubelet?: KubeletServer;
  private constructor(
    private readonly o: SimNodeHostOptions,
    readonly profile: Profile,
  ) {
    this.informers = new NodeHostInformers(o.client, o.clock ?? realClock, o.nodeNames);
  }

  /** Registers every node (all Ready when this resolves) and starts their agents. */
  static async start(o: SimNodeHostOptions): Promise<SimNodeHost> {
    const host = new SimNodeHost(o, o.profile ?? (await loadProfile(o.client)));
    await host.run();
    return host;
  }

  /** Port of the kubelet endpoint, when the host serves one. */
  get kubeletPort(): number | undefined {
    return this.kubelet?.port;
  }

  private clientFor(nodeName: string): ApiClient {
    return this.o.nodeClient?.(nodeName) ?? this.o.client;
  }

  private async startKubelet(o: { clusterCaPem: string; port?: number }): Promise<KubeletServer> {
    const certificates = new Map<string, KubeletServingCertificate>();
    await eachConcurrently(this.o.nodeNames, this.concurrency, async (name) => {
      certificates.set(
        name,
        await requestServingCertificate(this.clientFor(name), name, [simNodeAddress, name]),
      );
    });
    return KubeletServer.start({
      clusterCaPem: o.clusterCaPem,
      certificates,
      client: this.o.client,
      runtimeFor: (name) => this.runtimes.get(name),
      host: simNodeAddress,
      port: o.port ?? 0,
    });
  }

  private get concurrency(): number {
    return this.o.registerConcurrency ?? 50;
  }

  private async run(): Promise<void> {
    const clock = this.o.clock ?? realClock;
    const names = this.o.nodeNames;
    const interval = this.profile.leaseRenewIntervalMs;
    if (this.o.kubelet) this.kubelet = await this.startKubelet(this.o.kubelet);
    names.forEach((name, i) => {
      const podCIDRFallback = derivedPodCIDR(name);
      this.agents.set(
        name,
        new NodeAgent({
          client: this.clientFor(name),
          clock,
          profile: this.profile,
          identity: {
            name,
            capacity: this.o.capacity ?? defaultSimCapacity,
            internalIP: simNodeAddress,
            runtimeVersion: simRuntimeVersion,
            simulated: true,
            kubeletPort: this.kubelet?.port,
          },
          createRuntime: (node) => {
            const runtime = new SimRuntime({
              clock,
              podCIDR: node.spec?.podCIDR ?? podCIDRFallback,
              readyDelayMs: this.o.readyDelayMs,
              maxStopDelayMs: this.o.maxStopDelayMs,
            });
            this.runtimes.set(name, runtime);
            return { runtime, prober: runtime.readinessProber() };
          },
          pods: this.informers.pods,
          leaseOffsetMs: Math.floor((i * interval) / names.length),
          podCIDRWaitMs: this.o.podCIDRWaitMs,
          backoff: this.o.backoff,
          log: this.o.log,
        }),
      );
    });
    await eachConcurrently([...this.agents.values()], this.concurrency, (a) => a.start());
    await this.informers.start(this.agents);
  }

  async stop(): Promise<void> {
    this.informers.stop();
    await this.kubelet?.close();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
  }
}
