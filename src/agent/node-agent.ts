// One node's agent (the kubelet's core): registers the Node, renews its Lease, reports node
// status, and runs the pods bound to it through the pod sync loop. Runtime-agnostic: it is
// given a factory for its container runtime (sim or Docker) and the informers to read pods
// and its Node from, so one process can host one agent or a thousand (SimNodeHost).
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isNodeReady } from '../api/node-state.js';
import type { Profile } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { Clock, TimerHandle } from '../client/clock.js';
import { Controller } from '../client/controller.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { ApiClient } from '../client/rest-client.js';
import { NodeLease } from './node-lease.js';
import { type NodeIdentity, nodeStatus, registerNode } from './node-registration.js';
import { PodSync } from './pod-sync.js';
import { RestartBackOff } from './restart-backoff.js';
import type { ContainerRuntime, ReadinessProber } from './runtime/runtime.js';

/**
 * How often a runtime whose containers outlive the agent is checked for pods no longer here:
 * kubelet's housekeeping period. One label-filtered container list each time; a sweep before
 * the pod informer has synced does nothing, so a short period also means a restarted agent
 * cleans up soon after it has listed its pods.
 */
const orphanSweepIntervalMs = 2_000;

export interface NodeAgentOptions {
  client: ApiClient;
  clock: Clock;
  profile: Profile;
  identity: NodeIdentity;
  /** Builds the runtime once the Node exists (its pod CIDR comes from the registered Node). */
  createRuntime(
    node: Node,
  ):
    | { runtime: ContainerRuntime; prober: ReadinessProber }
    | Promise<{ runtime: ContainerRuntime; prober: ReadinessProber }>;
  pods: { get(key: string): Pod | undefined; hasSynced?(): boolean };
  /** Host directory for pod volumes (emptyDir, configMap, secret); unset for the sim runtime. */
  podsDir?: string;
  /**
   * How long to wait after registering for the control plane to assign spec.podCIDR before
   * starting pods (kubelet reports the network not ready until then). 0: use what is there.
   */
  podCIDRWaitMs?: number;
  /** Delay of the first lease renewal, to spread many nodes' heartbeats over the interval. */
  leaseOffsetMs?: number;
  /** Crash-loop back-off; Kubernetes' 10 s doubling to 5 min unless a test shortens it. */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * The runtime's health (RuntimeHealth): while it reports an error the node is
   * Ready=False/KubeletNotReady with it. Unset for a runtime that cannot go away (sim).
   */
  runtimeHealth?: { error(): string | undefined; onChange(listener: () => void): () => void };
  /** Parallel pod syncs (default 4): a slow stop or pull must not hold every other pod. */
  workers?: number;
  log?(message: string): void;
}

export class NodeAgent {
  readonly name: string;
  private node?: Node;
  private runtime?: ContainerRuntime;
  private podSync?: PodSync;
  private controller?: Controller;
  private lease?: NodeLease;
  private readonly timers = new Set<TimerHandle>();
  private statusInFlight = false;
  /** A status report was asked for while one was in flight: report again after it. */
  private statusAgain = false;
  private unsubscribeHealth?: () => void;
  private stopped = false;

  constructor(private readonly o: NodeAgentOptions) {
    this.name = o.identity.name;
  }

  /** Registers the Node (Ready), then starts heartbeats and the pod sync loop. */
  async start(): Promise<void> {
    const { client, clock, profile } = this.o;
    this.node = await registerNode(client, this.o.identity, clock.now());
    if (!this.node.spec?.podCIDR && this.o.podCIDRWaitMs) this.node = await this.waitForPodCIDR(this.node);
    const { runtime, prober } = await this.o.createRuntime(this.node);
    this.runtime = runtime;
    const recorder = new EventRecorder(client, 'kubelet', this.name, clock);
    const backoff = new RestartBackOff(clock, this.o.backoff?.initialMs, this.o.backoff?.maxMs);
    this.controller = new Controller(
      {
        name: `kubelet/${this.name}`,
        clock,
        workers: this.o.workers ?? 4,
        onError: (key, e) => this.log(`pod ${key}: ${(e as Error)?.message ?? e}`),
      },
      {
        reconcile: (key) => this.podSync!.reconcile(key),
      },
    );
    this.podSync = new PodSync({
      client,
      clock,
      nodeName: this.name,
      runtime,
      prober,
      backoff,
      recorder,
      pods: this.o.pods,
      podsDir: this.o.podsDir,
      hostIP: this.o.identity.internalIP,
      enqueue: (key) => this.controller?.enqueue(key),
    });
    void this.controller.run();
    void recorder.event(
      this.node,
      'Normal',
      'Starting',
      `Starting kubelet.${runtime.simulated ? ' (SIMULATED node)' : ''}`,
    );
    this.lease = new NodeLease(client, this.node, profile.leaseDurationSeconds);
    this.every(this.o.leaseOffsetMs ?? 0, profile.leaseRenewIntervalMs, () => this.renewLease());
    if (runtime.listPods)
      this.every(orphanSweepIntervalMs, orphanSweepIntervalMs, () =>
        this.podSync!.sweepOrphans().catch((e) => this.log(`orphan sweep failed: ${(e as Error).message}`)),
      );
    this.every(profile.nodeStatusReportIntervalMs, profile.nodeStatusReportIntervalMs, () =>
      this.reportStatus(),
    );
    this.unsubscribeHealth = this.o.runtimeHealth?.onChange(() => void this.reportStatus());
  }

  private async waitForPodCIDR(node: Node): Promise<Node> {
    const nodes = this.o.client.resource<Node>(resource.nodes);
    const deadline = this.o.clock.now() + (this.o.podCIDRWaitMs ?? 0);
    let current = node;
    while (!current.spec?.podCIDR && this.o.clock.now() < deadline) {
      await this.o.clock.sleep(100);
      current = await nodes.get(this.name);
    }
    if (!current.spec?.podCIDR)
      this.log('no pod CIDR assigned by the control plane; using one derived from the node name');
    return current;
  }

  /** A pod this node may run changed (or was deleted). */
  podChanged(key: string): void {
    this.controller?.enqueue(key);
  }

  /** The Node changed: anyone else marking it not Ready (the node lifecycle controller) is answered at once. */
  nodeChanged(node: Node): void {
    const ready = this.o.runtimeHealth?.error() === undefined;
    if (!this.stopped && this.node && isNodeReady(node) !== ready) void this.reportStatus();
  }

  podCount(): number {
    return this.podSync?.podCount() ?? 0;
  }

  /** Stops heartbeats and pod syncs; leaves the Node and pods as they are (as a stopped kubelet does). */
  /** No pod waiting for or in the middle of a sync. */
  syncIdle(): boolean {
    return this.controller?.queue.idle() ?? true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeHealth?.();
    for (const t of this.timers) this.o.clock.clearTimeout(t);
    this.timers.clear();
    this.controller?.stop();
    this.podSync?.close();
    await this.runtime?.close();
  }

  private every(firstMs: number, intervalMs: number, fn: () => Promise<void>): void {
    const schedule = (ms: number) => {
      const timer = this.o.clock.setTimeout(async () => {
        this.timers.delete(timer);
        await fn();
        if (!this.stopped) schedule(intervalMs);
      }, ms);
      this.timers.add(timer);
    };
    schedule(firstMs);
  }

  private async renewLease(): Promise<void> {
    try {
      await this.lease?.renew(this.o.clock.now());
    } catch (e) {
      this.log(`lease renewal failed: ${(e as Error).message}`);
    }
  }

  private async reportStatus(): Promise<void> {
    if (this.stopped) return;
    if (this.statusInFlight) {
      this.statusAgain = true;
      return;
    }
    this.statusInFlight = true;
    try {
      const nodes = this.o.client.resource<Node>(resource.nodes);
      const current = await nodes.get(this.name);
      this.node = await nodes.patch(
        this.name,
        {
          status: nodeStatus(
            this.o.identity,
            current.status,
            this.o.clock.now(),
            this.o.runtimeHealth?.error(),
          ),
        },
        'merge',
        { subresource: 'status' },
      );
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') {
        // Someone deleted our Node: register again, as a restarted kubelet would.
        this.node = await registerNode(this.o.client, this.o.identity, this.o.clock.now()).catch(
          () => this.node,
        );
      } else this.log(`node status update failed: ${(e as Error).message}`);
    } finally {
      this.statusInFlight = false;
    }
    if (this.statusAgain) {
      this.statusAgain = false;
      await this.reportStatus();
    }
  }

  private log(message: string): void {
    (this.o.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(`kubelet ${this.name}: ${message}`);
  }
}
