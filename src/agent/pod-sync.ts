// The pod sync loop (the kubelet's pod workers): a level-triggered reconcile per pod key
// that walks the lifecycle steps in lifecycle/ — crash-on-demand, init containers in order,
// containers (pull, sandbox, start), restart with back-off, readiness — then writes the pod
// status if it changed. A pod with a deletionTimestamp is stopped gracefully and then
// DELETEd with gracePeriodSeconds 0, which is what lets the API server finish the deletion.
// A pod gone from the API or bound elsewhere is killed and forgotten; a runtime whose
// containers outlive the agent is swept for pods this agent no longer runs (orphans).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import type { ReconcileResult, Reconciler } from '../client/controller.js';
import { splitKey } from '../client/object-key.js';
import { adoptFromRuntime } from './lifecycle/adopt.js';
import { crashOnDemand } from './lifecycle/crash-on-demand.js';
import { hasProjectedVolumes, preparePodVolumes, removePodVolumes } from './lifecycle/pod-volumes.js';
import { probeReadiness } from './lifecycle/probe.js';
import { restartExited } from './lifecycle/restart.js';
import { startContainer } from './lifecycle/start-container.js';
import type { NodeRuntimeContext, PodStepContext } from './lifecycle/step-context.js';
import { killPod, stopPod } from './lifecycle/stop.js';
import { type ContainerRecord, type PodRecord, recordForPod } from './pod-record.js';
import { buildPodStatus, type ContainerView, podStatusChanged } from './pod-status.js';

/** How often configMap and secret volumes are compared with their objects (kubelet: ~1 min). */
const projectedVolumeResyncMs = 3_000;

export interface PodSyncOptions extends NodeRuntimeContext {
  /** The informer cache of pods (this node's, or all bound pods in a SimNodeHost). */
  pods: { get(key: string): Pod | undefined; hasSynced?(): boolean };
  hostIP: string;
  enqueue(key: string): void;
}

export class PodSync implements Reconciler {
  private readonly records = new Map<string, PodRecord>();
  private readonly keysByUid = new Map<string, string>();
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly o: PodSyncOptions) {
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
    if (adopting) await adoptFromRuntime(ctx);
    if (pod.metadata?.deletionTimestamp) {
      await this.terminate(key, ctx);
      return undefined;
    }
    // A pod that finished stays as it ended; nothing runs again.
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;

    await crashOnDemand(ctx);
    if (ctx.podsDir && record.sandbox && hasProjectedVolumes(ctx)) {
      // Running containers see configMap/secret changes; a missing object keeps the old files.
      await preparePodVolumes(ctx).catch(() => undefined);
      ctx.requeueAfter(projectedVolumeResyncMs);
    }
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

  private async syncContainer(
    ctx: PodStepContext,
    spec: Container,
    init: boolean,
    mayStart: boolean,
  ): Promise<ContainerView> {
    let c: ContainerRecord | undefined = ctx.record.containers.get(spec.name);
    if (!c) {
      c = { restartCount: 0 };
      ctx.record.containers.set(spec.name, c);
    }
    const current = async () => (c.id ? await this.o.runtime.containerStatus(c.id) : c.recordedExit);
    let status = await current();
    if (c.id && !status) c.id = undefined;
    if (!status && mayStart) {
      await startContainer(ctx, spec, c);
      status = await current();
    } else if (status?.state === 'exited') {
      const outcome = await restartExited(ctx, spec, c, status, init);
      if (outcome === 'restarted') status = await current();
      if (outcome === 'stays-exited') c.waiting = undefined;
    }
    const probed = init ? undefined : probeReadiness(ctx, status, spec);
    const ready = init ? status?.state === 'exited' && status.exitCode === 0 : !c.waiting && probed!.ready;
    return {
      spec,
      record: c,
      status,
      ready,
      ...(probed ? { started: probed.started } : {}),
      pendingReason: mayStart ? 'ContainerCreating' : 'PodInitializing',
    };
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

  private async terminate(key: string, ctx: PodStepContext): Promise<void> {
    const { pod, record } = ctx;
    if (!record.stopping) {
      const graceSeconds =
        pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      void stopPod(ctx, graceSeconds * 1000).then(() => this.o.enqueue(key));
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
      for (const c of found.containers) {
        await this.o.runtime.stopContainer(c.id, 0);
        await this.o.runtime.removeContainer(c.id);
      }
      if (found.sandbox) await this.o.runtime.removePodSandbox(found.sandbox.id);
      await removePodVolumes(this.o.podsDir, found.podUid);
    }
  }

  private async forget(key: string, record: PodRecord): Promise<void> {
    await killPod(this.o.runtime, record);
    await removePodVolumes(this.o.podsDir, record.uid);
    for (const name of record.containers.keys()) this.o.backoff.forget(`${record.uid}/${name}`);
    this.records.delete(key);
    this.keysByUid.delete(record.uid);
  }
}
