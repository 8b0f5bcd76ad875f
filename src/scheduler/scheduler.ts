// The scheduler loop (kube-scheduler's scheduleOne): take the next unscheduled pod from the
// queue, decide with the pure core against the cache, assume the pod onto the chosen node at
// once, and bind it in the background — at most `maxInFlightBindings` at a time — so the next
// decision does not wait for the API round trip. Pods that fit nowhere wait in an
// "unschedulable" set until the cluster changes in a way that could help (a node appears or
// changes, a pod goes away) or profile.unschedulableRetryMs passes.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { nodeReadyCondition } from '../api/node-state.js';
import { isTerminal, podInfoOf } from '../api/pod-info.js';
import type { Profile } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { type Explanation, explanationAnnotation } from '../api/scheduling-explanation.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import type { Clock } from '../client/clock.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer, InformerFactory } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { ApiClient } from '../client/rest-client.js';
import { WorkQueue } from '../client/workqueue.js';
import { explain, sameExplanation, scheduledMessage } from './explanation.js';
import { type ScheduleDecision, type ScoringStrategy, schedulePod } from './schedule.js';
import { SchedulerCache } from './scheduler-cache.js';

export const defaultSchedulerName = 'default-scheduler';

export interface SchedulerOptions {
  client: ApiClient;
  informers: InformerFactory;
  clock: Clock;
  profile: Profile;
  /** Records as component `default-scheduler`. */
  recorder: EventRecorder;
  scoring?: ScoringStrategy;
  log(message: string): void;
  /** Bindings in flight at once (default 64). */
  maxInFlightBindings?: number;
  /** kube's percentageOfNodesToScore (default: adaptive). */
  percentageOfNodesToScore?: number;
  /** The spec.schedulerName this scheduler serves (default `default-scheduler`), as a kube scheduler profile. */
  schedulerName?: string;
}

export interface SchedulerHealth {
  name: 'scheduler';
  running: boolean;
  synced: boolean;
  scheduled: number;
  unschedulable: number;
  queued: number;
  bindingsInFlight: number;
  lastError?: { pod: string; message: string; at: number };
}

/** Is this pod waiting for us? (ours by schedulerName, not yet bound, not on its way out) */
export function needsScheduling(pod: Pod, schedulerName = defaultSchedulerName): boolean {
  const name = pod.spec?.schedulerName || defaultSchedulerName;
  return (
    name === schedulerName && !pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && !isTerminal(pod)
  );
}

/** Changes to a Node that can turn a "fits nowhere" into a fit; heartbeats cannot. */
function schedulingRelevant(node: Node) {
  return JSON.stringify([
    node.metadata?.labels,
    node.spec?.unschedulable,
    node.spec?.taints,
    node.status?.allocatable,
    nodeReadyCondition(node)?.status,
  ]);
}

export class Scheduler {
  private readonly cache = new SchedulerCache();
  private readonly queue: WorkQueue<string>;
  private readonly unschedulable = new Set<string>();
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private inFlight = 0;
  private nextStartIndex = 0;
  private running = false;
  private scheduledCount = 0;
  private lastError: SchedulerHealth['lastError'];
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.queue = new WorkQueue<string>({ clock: options.clock });
    this.pods = options.informers.informerFor<Pod>(resource.pods);
    this.nodes = options.informers.informerFor<Node>(resource.nodes);
  }

  async start(): Promise<void> {
    this.unsubscribe.push(
      this.nodes.addEventHandler({
        onAdd: (node) => {
          this.cache.setNode(node);
          this.retryUnschedulable();
        },
        onUpdate: (old, node) => {
          this.cache.setNode(node);
          if (schedulingRelevant(old) !== schedulingRelevant(node)) this.retryUnschedulable();
        },
        onDelete: (node) => this.cache.removeNode(node.metadata?.name ?? ''),
      }),
      this.pods.addEventHandler({
        onAdd: (pod) => this.podChanged(undefined, pod),
        onUpdate: (old, pod) => this.podChanged(old, pod),
        onDelete: (pod) => {
          const key = objectKey(pod);
          this.unschedulable.delete(key);
          const held = pod.spec?.nodeName || this.cache.isAssumed(key);
          this.cache.removePod(key);
          if (held) this.retryUnschedulable();
        },
      }),
    );
    this.options.informers.start();
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking pods; bindings already in flight finish on their own. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    for (const u of this.unsubscribe.splice(0)) u();
    for (const wake of this.slotWaiters.splice(0)) wake();
    await this.loop;
    this.running = false;
  }

  healthy(): boolean {
    return this.running && this.pods.hasSynced() && this.nodes.hasSynced();
  }

  /** No pod waiting or being scheduled, and no binding in flight. */
  idle(): boolean {
    return this.queue.idle() && this.inFlight === 0;
  }

  health(): SchedulerHealth {
    return {
      name: 'scheduler',
      running: this.running,
      synced: this.pods.hasSynced() && this.nodes.hasSynced(),
      scheduled: this.scheduledCount,
      unschedulable: this.unschedulable.size,
      queued: this.queue.len(),
      bindingsInFlight: this.inFlight,
      lastError: this.lastError,
    };
  }

  private podChanged(old: Pod | undefined, pod: Pod): void {
    const key = objectKey(pod);
    if (pod.spec?.nodeName || isTerminal(pod)) {
      this.unschedulable.delete(key);
      this.cache.updatePod(pod);
      // A pod that finished frees its node's resources.
      if (old && isTerminal(pod) && !isTerminal(old) && pod.spec?.nodeName) this.retryUnschedulable();
      return;
    }
    if (!needsScheduling(pod, this.options.schedulerName) || this.cache.isAssumed(key)) return;
    // Our own status and annotation writes on an unschedulable pod change nothing we decide on.
    if (old && this.unschedulable.has(key) && !schedulingInputsChanged(old, pod)) return;
    this.unschedulable.delete(key);
    this.queue.add(key);
  }

  /** kube's MoveAllToActiveOrBackoffQueue: something changed that may let waiting pods fit. */
  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }

  private async run(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.scheduleOne(key);
      } catch (e) {
        this.recordError(key, e);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async scheduleOne(key: string): Promise<void> {
    await this.bindingSlot();
    const pod = this.pods.get(key);
    if (
      this.queue.shuttingDown() ||
      !pod ||
      !needsScheduling(pod, this.options.schedulerName) ||
      this.cache.isAssumed(key)
    ) {
      this.releaseSlot();
      return;
    }
    const info = podInfoOf(pod);
    const decision = schedulePod(info, this.cache, {
      scoring: this.options.scoring,
      startIndex: this.nextStartIndex,
      percentageOfNodesToScore: this.options.percentageOfNodesToScore,
    });
    this.nextStartIndex = decision.nextStartIndex;
    // A bound pod's explanation is carried on every later watch event of the pod: keep it short.
    const limits = decision.nodeName ? { feasible: 10, filtered: 10 } : undefined;
    const explanation = explain(decision, key, this.options.clock.now(), limits);
    if (!decision.nodeName) {
      this.releaseSlot();
      this.markUnschedulable(key, pod, decision, explanation);
      return;
    }
    this.queue.forget(key);
    this.cache.assume(info, decision.nodeName);
    void this.bind(key, pod, decision.nodeName, explanation).finally(() => this.releaseSlot());
  }

  private async bind(key: string, pod: Pod, nodeName: string, explanation: Explanation): Promise<void> {
    const { name, namespace, uid } = pod.metadata ?? {};
    try {
      await this.options.client.request(
        'POST',
        `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(name!)}/binding`,
        {
          body: {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: {
              name,
              namespace,
              uid,
              annotations: { [explanationAnnotation]: JSON.stringify(explanation) },
            },
            target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
          },
        },
      );
      this.scheduledCount++;
      void this.options.recorder.event(
        podObject(pod),
        'Normal',
        'Scheduled',
        scheduledMessage(key, nodeName),
      );
    } catch (e) {
      this.cache.forget(key);
      this.retryUnschedulable();
      // Deleted meanwhile, or bound by someone else: the informer will tell us; nothing to retry.
      if (e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      this.recordError(key, e);
      void this.options.recorder.event(
        podObject(pod),
        'Warning',
        'FailedScheduling',
        `Binding rejected: ${(e as Error).message}`,
      );
      this.queue.addRateLimited(key);
    }
  }

  private markUnschedulable(
    key: string,
    pod: Pod,
    decision: ScheduleDecision,
    explanation: Explanation,
  ): void {
    this.unschedulable.add(key);
    this.queue.addAfter(key, this.options.profile.unschedulableRetryMs);
    void this.options.recorder.event(podObject(pod), 'Warning', 'FailedScheduling', decision.message);
    void this.writeUnschedulable(pod, decision.message, explanation).catch((e) => {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) this.recordError(key, e);
    });
  }

  /** PodScheduled=False/Unschedulable and the explanation, each written only when it changed. */
  private async writeUnschedulable(pod: Pod, message: string, explanation: Explanation): Promise<void> {
    const pods = this.options.client.resource<Pod>(resource.pods, pod.metadata?.namespace);
    const name = pod.metadata!.name!;
    if (!sameExplanation(pod.metadata?.annotations?.[explanationAnnotation], explanation)) {
      await pods.patch(
        name,
        { metadata: { annotations: { [explanationAnnotation]: JSON.stringify(explanation) } } },
        'merge',
      );
    }
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message)
      return;
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime:
        current?.status === 'False' && current.lastTransitionTime
          ? current.lastTransitionTime
          : rfc3339(this.options.clock.now()),
    };
    await pods.patch(name, { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' });
  }

  private bindingSlot(): Promise<void> {
    if (this.inFlight < (this.options.maxInFlightBindings ?? 64)) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.slotWaiters.push(() => {
        this.inFlight++;
        resolve();
      }),
    );
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.slotWaiters.shift()?.();
  }

  private recordError(key: string, e: unknown): void {
    const message = (e as Error)?.message ?? String(e);
    this.lastError = { pod: key, message, at: this.options.clock.now() };
    this.options.log(`scheduler: ${key}: ${message}`);
  }
}

/** What the scheduler decides on: a change elsewhere (status, annotations) is not a reason to retry. */
function schedulingInputsChanged(old: Pod, pod: Pod): boolean {
  return (
    JSON.stringify([old.spec, old.metadata?.labels]) !== JSON.stringify([pod.spec, pod.metadata?.labels])
  );
}

/** Informer objects carry kind; a listed one may not, and the event's involvedObject needs it. */
function podObject(pod: Pod): Pod {
  return pod.kind ? pod : { ...pod, apiVersion: 'v1', kind: 'Pod' };
}
