// Many SIMULATED nodes in one process (kwok-style): every node is a full NodeAgent with its
// own sim runtime, Lease and pod sync loop, but they share one ApiClient, ONE pods informer
// (all bound pods, indexed by spec.nodeName) and one nodes informer, and their lease
// renewals are spread evenly over the renew interval. `kubelab agent --runtime sim` is a host
// with one node, whose informers select only that node's pods and Node.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Profile } from '../api/profiles.js';
import { resources } from '../api/resources.js';
import { type Clock, realClock } from '../client/clock.js';
import { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { ApiClient } from '../client/rest-client.js';
import { loadProfile } from './agent-profile.js';
import { NodeAgent } from './node-agent.js';
import type { NodeCapacity } from './node-registration.js';
import { derivedPodCIDR, gatewayAddress } from './pod-network.js';
import { SimRuntime, simRuntimeVersion } from './runtime/sim.js';

const podInfo = resources.find((r) => r.kind === 'Pod')!;
const nodeInfo = resources.find((r) => r.kind === 'Node')!;

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
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  private constructor(
    private readonly o: SimNodeHostOptions,
    readonly profile: Profile,
  ) {
    const single = o.nodeNames.length === 1 ? o.nodeNames[0] : undefined;
    const clock = o.clock ?? realClock;
    this.pods = new Informer<Pod>(o.client, podInfo, {
      clock,
      fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=',
    });
    this.nodes = new Informer<Node>(o.client, nodeInfo, {
      clock,
      ...(single ? { fieldSelector: `metadata.name=${single}` } : {}),
    });
    this.pods.addIndexer('nodeName', (p) => [p.spec?.nodeName ?? '']);
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
          pods: this.pods,
          leaseOffsetMs: Math.floor((i * interval) / names.length),
          podCIDRWaitMs: this.o.podCIDRWaitMs,
          backoff: this.o.backoff,
          log: this.o.log,
        }),
      );
    });
    // Agents start (register) before the informers deliver pods, so no event is routed to an
    // agent without a runtime; the informers' initial list then adopts pods already bound.
    const queue = [...this.agents.values()];
    const workers = Array.from(
      { length: Math.min(this.o.registerConcurrency ?? 50, queue.length) },
      async () => {
        for (let a = queue.shift(); a; a = queue.shift()) await a.start();
      },
    );
    await Promise.all(workers);
    const route = (pod: Pod) => {
      const agent = this.agents.get(pod.spec?.nodeName ?? '');
      agent?.podChanged(objectKey(pod));
    };
    this.pods.addEventHandler({
      onAdd: route,
      onUpdate: (old, pod) => {
        if (old.spec?.nodeName !== pod.spec?.nodeName) route(old);
        route(pod);
      },
      onDelete: route,
    });
    this.nodes.addEventHandler({
      onAdd: (n) => this.agents.get(n.metadata?.name ?? '')?.nodeChanged(n),
      onUpdate: (_old, n) => this.agents.get(n.metadata?.name ?? '')?.nodeChanged(n),
    });
    this.pods.start();
    this.nodes.start();
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
  }

  async stop(): Promise<void> {
    this.pods.stop();
    this.nodes.stop();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
  }
}
