// The TUI's one source of cluster state: shared informers (list+watch, resumed and relisted
// by src/client) for what the overview draws, more informers started on demand for other
// resource lists, /readyz and metrics.k8s.io polled, and the kubelab-profile ConfigMap for
// the timers behind the countdowns. Changes are coalesced into snapshots at most every
// frameIntervalMs, and a clock tick keeps ages and countdowns moving when nothing changes.
// Views subscribe with useSyncExternalStore and never see a half-applied change.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap, Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/kube-object.js';
import { type Profile, profileConfigMap, profileFromData, profiles } from '../../api/profiles.js';
import { type ResourceInfo, resources } from '../../api/resources.js';
import { eventTime } from '../../api/table/config-objects.js';
import { type Clock, realClock, type TimerHandle } from '../../client/clock.js';
import { ConnectionTracker } from '../../client/connection-tracker.js';
import { FrameScheduler } from '../../client/frame-scheduler.js';
import { type Informer, InformerFactory } from '../../client/informer.js';
import { fetchNodeMetrics, type NodeMetricsState } from '../../client/node-metrics.js';
import { Poller } from '../../client/poller.js';
import type { ApiClient } from '../../client/rest-client.js';
import type { ClusterSnapshot, ControlPlaneHealth } from './cluster-snapshot.js';
import { snapshotOf } from './cluster-snapshot.js';
import { pollReadyz } from './control-plane-health.js';
import { nodeSilence } from './node-summary.js';

export const resourceOfKind = (kind: string): ResourceInfo => {
  const r = resources.find((x) => x.kind === kind);
  if (!r) throw new Error(`no resource of kind ${kind}`);
  return r;
};

/** Watched from the start: what the overview draws, and namespaces for `:ns`. */
const overviewKinds = ['Node', 'Pod', 'Deployment', 'ReplicaSet', 'Service', 'Event', 'Namespace'];
const leaseNamespace = 'kube-node-lease';

export interface ClusterModelOptions {
  clock?: Clock;
  /** Minimum time between two snapshots; default 100 ms (at most 10 frames a second). */
  frameIntervalMs?: number;
  /** How often /readyz is asked; default 2 s. */
  healthIntervalMs?: number;
  /** How often node usage is fetched; default 5 s, and 60 s while the metrics API is not served. */
  metricsIntervalMs?: number;
  /** A /readyz that takes longer than this counts as unreachable; default 5 s (a TCG VM is slow, not gone). */
  healthTimeoutMs?: number;
}

export class ClusterModel {
  readonly clock: Clock;
  private readonly factory: InformerFactory;
  /** Cluster-wide informers by plural. */
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly leases: Informer<Lease>;
  private readonly profile: Informer<ConfigMap>;
  private readonly lists = new Map<string, readonly KubeObject[]>();
  private readonly dirty = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly frames: FrameScheduler;
  private readonly pollers: Poller[];
  private readonly unsubscribe: (() => void)[] = [];
  private health?: ControlPlaneHealth;
  private metrics?: NodeMetricsState;
  private readonly connection: ConnectionTracker;
  private sortedEvents: readonly Event[] = [];
  private leaseMap: ReadonlyMap<string, Lease> = new Map();
  private current: ClusterSnapshot;
  private tick?: TimerHandle;
  private running = false;

  constructor(
    readonly client: ApiClient,
    options: ClusterModelOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    // The informers' errors surface as connection state; printing them would tear the screen.
    this.factory = new InformerFactory(client, { clock: this.clock, onHandlerError: () => {} });
    this.connection = new ConnectionTracker(this.clock, () => this.allInformers());
    this.frames = new FrameScheduler(this.clock, options.frameIntervalMs ?? 100, () => this.flush());
    for (const kind of overviewKinds) this.watch(resourceOfKind(kind));
    // Every node renews its Lease every second (lab profile): drawing a frame for each would keep
    // an idle TUI busy. Renewals are picked up by the clock tick instead, which is what moves
    // the heartbeat ages anyway; a Lease that stops changing is what the countdowns are about.
    this.leases = this.attach(
      'leases',
      this.factory.informerFor<Lease>(resourceOfKind('Lease'), { namespace: leaseNamespace }),
      { drawAtOnce: () => false },
    );
    this.profile = this.attach(
      'kubelab-profile',
      this.factory.informerFor<ConfigMap>(resourceOfKind('ConfigMap'), {
        namespace: profileConfigMap.namespace,
        fieldSelector: `metadata.name=${profileConfigMap.name}`,
      }),
    );
    const timeoutMs = options.healthTimeoutMs ?? 5_000;
    let metricsServed = true;
    this.pollers = [
      new Poller(
        this.clock,
        () => options.healthIntervalMs ?? 2_000,
        async (signal) => {
          const health = await pollReadyz(client, () => this.clock.now(), this.health, signal, timeoutMs);
          // Most polls say what the last one said: only a change is worth a frame.
          const changed = healthText(health) !== healthText(this.health);
          this.health = health;
          if (this.updateConnection() || changed) this.frames.request();
        },
      ),
      new Poller(
        this.clock,
        () => (metricsServed ? (options.metricsIntervalMs ?? 5_000) : 60_000),
        async (signal) => {
          const metrics = await fetchNodeMetrics(client, () => this.clock.now(), signal);
          const changed = metricsText(metrics) !== metricsText(this.metrics);
          this.metrics = metrics;
          metricsServed = metrics.available;
          if (changed) this.frames.request();
        },
      ),
    ];
    this.current = this.build();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.factory.start();
    for (const p of this.pollers) p.start();
    this.frames.request();
  }

  stop(): void {
    this.running = false;
    this.factory.stop();
    for (const p of this.pollers) p.stop();
    for (const u of this.unsubscribe) u();
    this.frames.cancel();
    if (this.tick) this.clock.clearTimeout(this.tick);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ClusterSnapshot => this.current;

  /** Watches a kind cluster-wide (idempotent); its objects appear in snapshots once listed. */
  watch(resource: ResourceInfo): void {
    if (this.informers.has(resource.plural)) return;
    const informer = this.factory.informerFor<KubeObject>(resource);
    this.informers.set(resource.plural, informer);
    // Agents report node status every few seconds even when nothing changed; those reports
    // wait for the tick, real changes (a condition, a cordon, a taint) are drawn at once.
    this.attach(resource.plural, informer, resource.kind === 'Node' ? { drawAtOnce: nodeChangeShows } : {});
  }

  /**
   * Follows an informer into snapshots. A change is drawn at once unless `drawAtOnce` says it
   * can wait for the next tick (at most two seconds): nothing on screen shows it yet.
   */
  private attach<T extends KubeObject>(
    name: string,
    informer: Informer<T>,
    { drawAtOnce = () => true }: { drawAtOnce?: (old: T | undefined, obj: T) => boolean } = {},
  ): Informer<T> {
    const changed = (old: T | undefined, obj: T) => {
      this.dirty.add(name);
      if (drawAtOnce(old, obj)) this.frames.request();
    };
    this.unsubscribe.push(
      informer.addEventHandler({
        onAdd: (obj) => changed(undefined, obj),
        onUpdate: changed,
        onDelete: (obj) => changed(undefined, obj),
      }),
      informer.onStateChange(() => {
        this.updateConnection();
        this.dirty.add(name);
        this.frames.request();
      }),
    );
    this.dirty.add(name);
    return informer;
  }

  private allInformers(): Informer<KubeObject>[] {
    return [...this.informers.values(), this.leases, this.profile] as Informer<KubeObject>[];
  }

  /** Recomputes the connection phase (the /readyz poll says whether the server answers); true when it changed. */
  private updateConnection(): boolean {
    return this.connection.update(this.health?.error);
  }

  private flush(): void {
    this.current = this.build();
    for (const l of this.listeners) l();
    this.armTick();
  }

  private build(): ClusterSnapshot {
    for (const name of this.dirty) {
      if (name === 'leases') {
        this.leaseMap = new Map(this.leases.list().map((l) => [l.metadata?.name ?? '', l]));
      } else if (name !== 'kubelab-profile') {
        const list = this.informers.get(name)?.list() ?? [];
        this.lists.set(name, list);
        if (name === 'events') this.sortedEvents = newestFirst(list as Event[]);
      }
    }
    this.dirty.clear();
    const profile = publishedProfile(this.profile.list()[0]?.data);
    const get = <T>(plural: string) => (this.lists.get(plural) ?? []) as readonly T[];
    return snapshotOf({
      now: this.clock.now(),
      connection: this.connection.status,
      synced: this.connection.synced,
      profile: profile ?? profiles.lab,
      profilePublished: profile !== undefined,
      health: this.health,
      metrics: this.metrics,
      nodes: get('nodes'),
      pods: get('pods'),
      deployments: get('deployments'),
      replicaSets: get('replicasets'),
      services: get('services'),
      events: this.sortedEvents,
      leases: this.leaseMap,
      objects: new Map([...this.lists, ['events', this.sortedEvents]]),
    });
  }

  /**
   * Ages move every two seconds (k9s refreshes as often); while a node is silent its
   * countdowns tick four times a second. Re-armed after every frame, so a busy cluster is not
   * drawn more often because of it, and an idle one costs one frame per tick.
   */
  private armTick(): void {
    if (this.tick) this.clock.clearTimeout(this.tick);
    if (!this.running) return;
    const s = this.current;
    const counting = s.nodes.some((n) =>
      nodeSilence(n, s.leases.get(n.metadata?.name ?? ''), s.profile, s.now),
    );
    this.tick = this.clock.setTimeout(() => this.frames.request(), counting ? 250 : 2_000);
  }
}

/** Whether a Node update changes more than its heartbeat bookkeeping. */
export function nodeChangeShows(old: KubeObject | undefined, obj: KubeObject): boolean {
  if (!old) return true;
  const withoutHeartbeat = (o: KubeObject) =>
    JSON.stringify(o, (key, value) =>
      key === 'resourceVersion' || key === 'managedFields' || key === 'lastHeartbeatTime' ? undefined : value,
    );
  return withoutHeartbeat(old) !== withoutHeartbeat(obj);
}

function healthText(h: ControlPlaneHealth | undefined): string {
  return h ? `${h.passed} ${h.error ?? ''} ${h.checks.map((c) => `${c.name}=${c.ok}`).join(',')}` : '';
}

function metricsText(m: NodeMetricsState | undefined): string {
  if (!m) return '';
  if (!m.available) return m.reason;
  return [...m.nodes].map(([name, u]) => `${name}=${u.milliCpu}/${u.memory}`).join(',');
}

/** The profile the control plane publishes; undefined when it publishes none, or one this TUI does not know. */
function publishedProfile(data: Record<string, string> | undefined): Profile | undefined {
  if (!data) return undefined;
  try {
    return profileFromData(data);
  } catch {
    return undefined;
  }
}

function newestFirst(events: Event[]): Event[] {
  return [...events].sort(
    (a, b) =>
      eventTime(b) - eventTime(a) ||
      Number(b.metadata?.resourceVersion) - Number(a.metadata?.resourceVersion),
  );
}
