// Where the wall's data comes from: informers (list+watch, resumed and relisted by
// src/client) for nodes, pods, deployments, replicasets and events; metrics.k8s.io sampled
// every couple of seconds into a fixed window of history; the connection state. Changes are
// coalesced into frames (at most a few a second, however busy the cluster), each an immutable
// copy the screen draws from. The sample poll doubles as the check that the server answers:
// a failed poll is what turns the title red, and the next good one brings it back.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import { resources } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { type Clock, realClock } from '../client/clock.js';
import { type ConnectionStatus, ConnectionTracker } from '../client/connection-tracker.js';
import { FrameScheduler } from '../client/frame-scheduler.js';
import { type Informer, InformerFactory } from '../client/informer.js';
import { fetchNodeMetrics, type NodeMetricsState } from '../client/node-metrics.js';
import { Poller } from '../client/poller.js';
import type { ApiClient } from '../client/rest-client.js';
import { type EventLine, eventLine, inTimeOrder, isNewOccurrence } from './event-lines.js';
import { UsageHistory, type UsageSample } from './usage-history.js';

export interface DashboardFeedOptions {
  clock?: Clock;
  /** Namespaced kinds (pods, deployments, replicasets, events) from this namespace only; all when undefined. */
  namespace?: string;
  /** Minimum time between two frames; default 250 ms (at most 4 frames a second). */
  frameIntervalMs?: number;
  /** How often node usage is sampled (and the server's answer checked); default 2 s. */
  sampleIntervalMs?: number;
  /** Samples the charts keep; default 60 (two minutes at one every 2 s). */
  historyLength?: number;
  /** A sample that takes longer counts as the server not answering; default 5 s. */
  sampleTimeoutMs?: number;
}

/** One frame of the wall: everything copied at one instant, never changed afterwards. */
export interface DashboardFrame {
  now: number;
  connection: ConnectionStatus;
  /** Every informer has listed at least once. */
  synced: boolean;
  nodes: readonly Node[];
  pods: readonly Pod[];
  deployments: readonly Deployment[];
  replicaSets: readonly ReplicaSet[];
  /** The last sample's answer; undefined before the first one. */
  metrics?: NodeMetricsState;
  /** The window of samples, oldest first. */
  usage: readonly UsageSample[];
  /** Event occurrences since the previous frame, oldest first. */
  newEvents: readonly EventLine[];
}

const watchedKinds = {
  nodes: 'Node',
  pods: 'Pod',
  deployments: 'Deployment',
  replicaSets: 'ReplicaSet',
  events: 'Event',
} as const;
type WatchedList = keyof typeof watchedKinds;

export class DashboardFeed {
  readonly clock: Clock;
  private readonly factory: InformerFactory;
  private readonly informers: Record<WatchedList, Informer<KubeObject>>;
  private readonly lists = new Map<WatchedList, readonly KubeObject[]>();
  private readonly connection: ConnectionTracker;
  private readonly history: UsageHistory;
  private readonly frames: FrameScheduler;
  private readonly sampler: Poller;
  private readonly listeners = new Set<(frame: DashboardFrame) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private newEvents: EventLine[] = [];
  private metrics?: NodeMetricsState;
  /** Why the last sample got no answer from the server; undefined when it got one. */
  private unreachable?: string;

  constructor(
    private readonly client: ApiClient,
    options: DashboardFeedOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    // Informer errors surface as the connection state; printing them would tear the screen.
    this.factory = new InformerFactory(client, { clock: this.clock, onHandlerError: () => {} });
    const selector = options.namespace ? { namespace: options.namespace } : {};
    const informerOf = (kind: string) => {
      const info = resources.find((r) => r.kind === kind)!;
      return this.factory.informerFor<KubeObject>(info, info.namespaced ? selector : {});
    };
    this.informers = {
      nodes: informerOf(watchedKinds.nodes),
      pods: informerOf(watchedKinds.pods),
      deployments: informerOf(watchedKinds.deployments),
      replicaSets: informerOf(watchedKinds.replicaSets),
      events: informerOf(watchedKinds.events),
    };
    this.connection = new ConnectionTracker(this.clock, () => Object.values(this.informers));
    this.history = new UsageHistory(options.historyLength ?? 60);
    this.frames = new FrameScheduler(this.clock, options.frameIntervalMs ?? 250, () => this.flush());
    for (const [list, informer] of Object.entries(this.informers) as [WatchedList, Informer<KubeObject>][]) {
      const changed = () => {
        this.lists.delete(list);
        this.frames.request();
      };
      this.unsubscribe.push(
        informer.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed }),
        informer.onStateChange(() => {
          this.connection.update(this.unreachable);
          this.frames.request();
        }),
      );
    }
    this.unsubscribe.push(
      this.informers.events.addEventHandler({
        onAdd: (e) => this.newEvents.push(eventLine(e as Event)),
        onUpdate: (old, e) => {
          if (isNewOccurrence(old as Event, e as Event)) this.newEvents.push(eventLine(e as Event));
        },
      }),
    );
    const timeoutMs = options.sampleTimeoutMs ?? 5_000;
    this.sampler = new Poller(
      this.clock,
      () => options.sampleIntervalMs ?? 2_000,
      (signal) => this.sample(signal, timeoutMs),
    );
  }

  start(): void {
    this.factory.start();
    this.sampler.start();
    this.frames.request();
  }

  stop(): void {
    this.factory.stop();
    this.sampler.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    this.frames.cancel();
  }

  /** Calls `listener` with every frame; returns a function that stops it. */
  onFrame(listener: (frame: DashboardFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async sample(signal: AbortSignal, timeoutMs: number): Promise<void> {
    try {
      const metrics = await fetchNodeMetrics(this.client, () => this.clock.now(), signal, timeoutMs);
      this.metrics = metrics;
      this.unreachable = undefined;
      if (metrics.available) this.history.record({ at: metrics.at, nodes: metrics.nodes });
    } catch (e) {
      if (signal.aborted) return;
      // The server answered, just not with metrics (e.g. 503 while it starts): it is reachable.
      if (e instanceof StatusError) {
        this.metrics = { available: false, reason: `metrics.k8s.io: ${e.message}` };
        this.unreachable = undefined;
      } else {
        this.unreachable = (e as Error).message;
      }
    }
    this.connection.update(this.unreachable);
    // A frame per sample even when nothing else changed: the charts move on and the clock ticks.
    this.frames.request();
  }

  private list<T extends KubeObject>(name: WatchedList): readonly T[] {
    let list = this.lists.get(name);
    if (!list) {
      list = this.informers[name].list();
      this.lists.set(name, list);
    }
    return list as readonly T[];
  }

  private flush(): void {
    const frame: DashboardFrame = {
      now: this.clock.now(),
      connection: this.connection.status,
      synced: this.connection.synced,
      nodes: this.list<Node>('nodes'),
      pods: this.list<Pod>('pods'),
      deployments: this.list<Deployment>('deployments'),
      replicaSets: this.list<ReplicaSet>('replicaSets'),
      metrics: this.metrics,
      usage: this.history.samples(),
      newEvents: inTimeOrder(this.newEvents),
    };
    this.newEvents = [];
    for (const l of this.listeners) l(frame);
  }
}
