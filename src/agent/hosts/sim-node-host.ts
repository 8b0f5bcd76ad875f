// Many SIMULATED nodes in one process (kwok-style): every node is a full NodeAgent with its
// own sim runtime, Lease and pod sync loop, but they share one ApiClient, ONE pods informer
// (all bound pods, indexed by spec.nodeName) and one nodes informer, and their lease
// renewals are spread evenly over the renew interval. `kubelab agent --runtime sim` is a host
// with one node, whose informers select only that node's pods and Node.
import type { Profile } from '../../api/profiles.js';
import { type Clock, realClock } from '../../client/clock.js';
import type { ApiClient } from '../../client/rest-client.js';
import { loadProfile } from '../agent-profile.js';
import { NodeAgent } from '../node-agent.js';
import type { NodeCapacity } from '../node-registration.js';
import { derivedPodCIDR, gatewayAddress } from '../pod-network.js';
import { SimRuntime, simRuntimeVersion } from '../runtime/sim.js';
import { NodeHostInformers } from './node-host.js';

export const defaultSimCapacity: NodeCapacity = { cpu: '4', memory: '8Gi', pods: '110' };

export interface SimNodeHostOptions {
  client: ApiClient;
  nodeNames: string[];
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
  /** How many nodes register at once (default 50), so a thousand do not stampede the server. */
  registerConcurrency?: number;
  log?(message: string): void;
}

export class SimNodeHost {
  readonly agents = new Map<string, NodeAgent>();
  readonly informers: NodeHostInformers;
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

  private async run(): Promise<void> {
    const clock = this.o.clock ?? realClock;
    const names = this.o.nodeNames;
    const interval = this.profile.leaseRenewIntervalMs;
    names.forEach((name, i) => {
      const podCIDRFallback = derivedPodCIDR(name);
      this.agents.set(
        name,
        new NodeAgent({
          client: this.o.client,
          clock,
          profile: this.profile,
          identity: {
            name,
            capacity: this.o.capacity ?? defaultSimCapacity,
            internalIP: gatewayAddress(podCIDRFallback),
            runtimeVersion: simRuntimeVersion,
            simulated: true,
          },
          createRuntime: (node) => {
            const runtime = new SimRuntime({
              clock,
              podCIDR: node.spec?.podCIDR ?? podCIDRFallback,
              readyDelayMs: this.o.readyDelayMs,
              maxStopDelayMs: this.o.maxStopDelayMs,
            });
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
    const queue = [...this.agents.values()];
    const workers = Array.from(
      { length: Math.min(this.o.registerConcurrency ?? 50, queue.length) },
      async () => {
        for (let a = queue.shift(); a; a = queue.shift()) await a.start();
      },
    );
    await Promise.all(workers);
    await this.informers.start(this.agents);
  }

  async stop(): Promise<void> {
    this.informers.stop();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
  }
}
