// The pod sync loop (the kubelet's pod workers, run as Nomad runs a task's hooks): a
// level-triggered reconcile per pod key that calls the hooks of the lifecycle steps in
// lifecycle/ in order — restore when it takes a pod, update, then for init containers in
// order and then the containers: prestart and start (or exited, and start again), poststart —
// and writes the pod status if it changed. A hook that fails ends the sync (the work queue
// retries it). A pod with a deletionTimestamp runs the stop hooks and is then DELETEd with
// gracePeriodSeconds 0, which is what lets the API server finish the deletion. A pod gone
// from the API or bound elsewhere runs the kill hooks and is forgotten; a runtime whose
// containers outlive the agent is swept for pods this agent no longer runs (orphans).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import type { ReconcileResult, Reconciler } from '../client/controller.js';
import { splitKey } from '../client/object-key.js';
import { adoptStep } from './lifecycle/adopt.js';
import { containerEnvStep } from './lifecycle/container-env.js';
import { crashOnDemandStep } from './lifecycle/crash-on-demand.js';
import { podVolumesStep } from './lifecycle/pod-volumes.js';
import { probeStep } from './lifecycle/probe.js';
import { pullImageStep } from './lifecycle/pull-image.js';
import { restartStep } from './lifecycle/restart.js';
import { sandboxStep } from './lifecycle/sandbox.js';
import { startContainerStep } from './lifecycle/start-container.js';
import { stopStep } from './lifecycle/stop.js';
import { type ContainerRecord, type PodRecord, recordForPod } from './pod-record.js';
import { buildPodStatus, type ContainerView, podStatusChanged } from './pod-status.js';
import type {
  ContainerStepContext,
  NodeRuntimeContext,
  PodRemains,
  PodStep,
  PodStepContext,
} from './pod-step.js';

/** The kubelet's pod lifecycle, in the order its hooks run (kill hooks in reverse). */
export const podLifecycle: readonly PodStep[] = [
  adoptStep,
  crashOnDemandStep,
  podVolumesStep,
  sandboxStep,
  containerEnvStep,
  pullImageStep,
  startContainerStep,
  restartStep,
  probeStep,
  stopStep,
];

export interface PodSyncOptions extends NodeRuntimeContext {
  /** The informer cache of pods (this node's, or all bound pods in a SimNodeHost). */
  pods: { get(key: string): Pod | undefined; hasSynced?(): boolean };
  hostIP: string;
  enqueue(key: string): void;
  /** Default: podLifecycle. */
  steps?: readonly PodStep[];
}

/** Awaits one step's hook; a failure names the step and hook, as Nomad's task runner reports them. */
async function hook<T>(step: PodStep, name: string, running: Promise<T>): Promise<T> {
  try {
    return await running;
  } catch (e) {
    throw new Error(`${name} hook of step ${step.name}: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}

export class PodSync implements Reconciler {
  private readonly records = new Map<string, PodRecord>();
  private readonly keysByUid = new Map<string, string>();
  private readonly unsubscribe: (() => void)[];
  private readonly steps: readonly PodStep[];

  constructor(private readonly o: PodSyncOptions) {
    this.steps = o.steps ?? podLifecycle;
    // A container exiting is news for its pod (the kubelet's PLEG relists for the same reason).
    const enqueueUid = (uid: string) => {
      const key = this.keysByUid.get(uid);
      if (key) o.enqueue(key);
    };
    this.unsubscribe = [
      o.runtime.onContainerExit((s) => enqueueUid(s.podUid)),
      o.prober.onResultChange?.(enqueueUid) ?? (() => {}),
    ];
  }

  /** Pods this agent currently runs (for status and tests). */
  podCount(): number {
    return this.records.size;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const pod = this.o.pods.get(key);
    const mine = pod !== undefined && pod.spec?.nodeName === this.o.nodeName;
    let record = this.records.get(key);
    if (record && (!mine || record.uid !== pod.metadata?.uid)) {
      await this.forget(key, record);
      record = undefined;
    }
    if (!mine) return undefined;
    const adopting = !record;
    if (!record) {
      record = recordForPod(pod, rfc3339(this.o.clock.now()));
      this.records.set(key, record);
      this.keysByUid.set(record.uid, key);
    }
    let requeueAfterMs: number | undefined;
    const ctx: PodStepContext = {
      ...this.o,
      pod,
      record,
      requeueAfter: (ms) => {
        requeueAfterMs = Math.min(requeueAfterMs ?? ms, Math.max(ms, 1));
      },
    };
    if (adopting)
      for (const step of this.steps) if (step.restore) await hook(step, 'restore', step.restore(ctx));
    if (pod.metadata?.deletionTimestamp) {
      await this.terminate(key, ctx);
      return undefined;
    }
    // A pod that finished stays as it ended; nothing runs again.
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;

    for (const step of this.steps) if (step.update) await hook(step, 'update', step.update(ctx));
    const init: ContainerView[] = [];
    let initialized = true;
    for (const spec of pod.spec?.initContainers ?? []) {
      const view = initialized
        ? await this.syncContainer(ctx, spec, true, true)
        : { spec, record: record.containers.get(spec.name), ready: false, pendingReason: 'PodInitializing' };
      init.push(view);
      if (view.status?.state !== 'exited' || view.status.exitCode !== 0) initialized = false;
    }
    const containers: ContainerView[] = [];
    for (const spec of pod.spec?.containers ?? [])
      containers.push(await this.syncContainer(ctx, spec, false, initialized));

    const status = buildPodStatus(pod, {
      runtimeType: this.o.runtime.type,
      hostIP: this.o.hostIP,
      podIP: record.sandbox?.ip,
      startTime: record.startTime,
      init,
      containers,
      nowMs: this.o.clock.now(),
    });
    if (podStatusChanged(pod.status, status)) await this.writeStatus(pod, status);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  /**
   * One container through the hooks: an absent container that may start goes through
   * prestart and start, an exited one through exited (and again through start when a step
   * says so), and every one through poststart.
   */
  private async syncContainer(
    podCtx: PodStepContext,
    spec: Container,
    init: boolean,
    mayStart: boolean,
  ): Promise<ContainerView> {
    let container: ContainerRecord | undefined = podCtx.record.containers.get(spec.name);
    if (!container) {
      container = { restartCount: 0 };
      podCtx.record.containers.set(spec.name, container);
    }
    const ctx: ContainerStepContext = {
      ...podCtx,
      spec,
      init,
      container,
      launch: { mounts: [], env: new Map() },
      ready: false,
    };
    await this.observe(ctx);
    if (container.id && !ctx.status) container.id = undefined;
    if (!ctx.status && mayStart) await this.start(ctx);
    else if (ctx.status?.state === 'exited') {
      let again = false;
      for (const step of this.steps)
        if (step.exited && (await hook(step, 'exited', step.exited(ctx)))) again = true;
      if (again) await this.start(ctx);
    }
    for (const step of this.steps) if (step.poststart) await hook(step, 'poststart', step.poststart(ctx));
    return {
      spec,
      record: container,
      status: ctx.status,
      ready: ctx.ready,
      ...(ctx.started !== undefined ? { started: ctx.started } : {}),
      pendingReason: mayStart ? 'ContainerCreating' : 'PodInitializing',
    };
  }

  /** Prestart hooks in order until one holds the container; start hooks once none did. */
  private async start(ctx: ContainerStepContext): Promise<void> {
    if (!(await this.prestartHolds(ctx)))
      for (const step of this.steps) if (step.start) await hook(step, 'start', step.start(ctx));
    await this.observe(ctx);
  }

  private async prestartHolds(ctx: ContainerStepContext): Promise<boolean> {
    for (const step of this.steps)
      if (step.prestart && !(await hook(step, 'prestart', step.prestart(ctx)))) return true;
    return false;
  }

  /** The container as the runtime reports it, or the exit the pod status recorded. */
  private async observe(ctx: ContainerStepContext): Promise<void> {
    const { id, recordedExit } = ctx.container;
    ctx.status = id ? await this.o.runtime.containerStatus(id) : recordedExit;
  }

  private async writeStatus(pod: Pod, status: Pod['status']): Promise<void> {
    const pods = this.o.client.resource<Pod>(resource.pods, pod.metadata?.namespace);
    try {
      await pods.updateStatus({ ...pod, status: { ...pod.status, ...status } });
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      if (e.reason === 'NotFound') return;
      if (e.reason !== 'Conflict') throw e;
      // Someone else wrote the pod since the informer saw it: write ours over the fresh copy.
      const fresh = await pods.get(pod.metadata?.name ?? '');
      if (fresh.metadata?.uid !== pod.metadata?.uid) return;
      await pods.updateStatus({ ...fresh, status: { ...fresh.status, ...status } });
    }
  }

  /**
   * Stop hooks run once, in the background; the pod is synced again when they finish. Once
   * no container runs, the pod is forgotten and its deletion finished.
   */
  private async terminate(key: string, ctx: PodStepContext): Promise<void> {
    const { record } = ctx;
    if (!record.stopping) {
      record.stopping = this.stopAll(ctx);
      void record.stopping.then(() => this.o.enqueue(key));
      return;
    }
    for (const c of record.containers.values()) {
      if (c.id && (await this.o.runtime.containerStatus(c.id))?.state === 'running') return;
    }
    await this.forget(key, record);
    const { namespace, name } = splitKey(key);
    try {
      await this.o.client
        .resource<Pod>(resource.pods, namespace)
        .delete(name, { gracePeriodSeconds: 0, preconditions: { uid: record.uid } });
    } catch (e) {
      // Already gone, or replaced by a new pod of the same name that is not ours to delete.
      if (!(e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
    }
  }

  private async stopAll(ctx: PodStepContext): Promise<void> {
    for (const step of this.steps) if (step.stop) await hook(step, 'stop', step.stop(ctx));
  }

  /**
   * Removes what the runtime still holds for pods this agent does not run and no longer
   * should (deleted, or bound elsewhere while the node was cut off). Only with a synced pods
   * cache: before that every pod would look gone.
   */
  async sweepOrphans(): Promise<void> {
    if (!this.o.runtime.listPods || !this.o.pods.hasSynced?.()) return;
    for (const found of await this.o.runtime.listPods()) {
      if (this.keysByUid.has(found.podUid)) continue;
      const key = `${found.namespace}/${found.podName}`;
      const pod = this.o.pods.get(key);
      if (pod?.metadata?.uid === found.podUid && pod.spec?.nodeName === this.o.nodeName) {
        this.o.enqueue(key);
        continue;
      }
      await this.kill({ uid: found.podUid, containers: found.containers, sandboxId: found.sandbox?.id });
    }
  }

  private async forget(key: string, record: PodRecord): Promise<void> {
    const containers = [...record.containers].map(([name, c]) => ({ name, id: c.id }));
    await this.kill({ uid: record.uid, containers, sandboxId: record.sandbox?.id });
    this.records.delete(key);
    this.keysByUid.delete(record.uid);
  }

  /** Kill hooks in reverse step order: teardown undoes setup, last step first. */
  private async kill(remains: PodRemains): Promise<void> {
    for (const step of [...this.steps].reverse())
      if (step.kill) await hook(step, 'kill', step.kill(this.o, remains));
  }
}
