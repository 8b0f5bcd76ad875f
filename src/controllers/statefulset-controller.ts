// The StatefulSet controller (kube's pkg/controller/statefulset): pods with stable identities
// `<sts>-0 .. <sts>-N-1`, each with hostname = its name and subdomain = spec.serviceName (so
// `web-0.nginx` resolves), labelled statefulset.kubernetes.io/pod-name and
// apps.kubernetes.io/pod-index. There are never two pods with one identity: a pod with a
// deletionTimestamp (say, stuck Terminating on a lost node) keeps its name until it is really
// gone, and the replacement is created only then. The order of creation, deletion and update
// is decided in statefulset-ordering.ts; this file reads and writes.
//
// kubelab has no ControllerRevisions or PersistentVolumeClaims yet: revisions are the
// `<sts>-<template hash>` names only (a pod recreated below the partition gets the update
// template), and volumeClaimTemplates are ignored with a Warning event.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { controllerKeyOf } from '../api/owner-references.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { claimPods, PodControl } from './pod-control.js';
import {
  podsByOrdinal,
  statefulPodFor,
  statefulSetActions,
  statefulSetStatus,
  updateRevisionOf,
} from './statefulset-ordering.js';

export const statefulSetController: ControllerFactory = (ctx) => {
  const statefulSets = ctx.informers.informerFor<StatefulSet>(resource.statefulSets);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const controller = new Controller(
    { name: 'statefulset-controller', clock: ctx.clock, workers: 2 },
    new StatefulSetController(ctx, statefulSets, pods),
  );
  controller.watch(statefulSets);
  controller.watch(pods, (p) => [controllerKeyOf(p, 'StatefulSet')]);
  return controller;
};

export class StatefulSetController implements Reconciler {
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly warnedAboutClaims = new Set<string>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly statefulSets: Informer<StatefulSet>,
    private readonly pods: Informer<Pod>,
  ) {
    this.recorder = ctx.recorder('statefulset-controller');
    this.podControl = new PodControl(ctx.client, this.recorder);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const sts = this.statefulSets.get(key);
    if (!sts) {
      this.warnedAboutClaims.delete(key);
      return undefined;
    }
    this.warnAboutClaims(key, sts);
    const updateRevision = updateRevisionOf(sts);
    const owned = await claimPods(
      this.ctx.client,
      sts,
      resource.statefulSets,
      this.pods.byIndex('namespace', sts.metadata!.namespace!),
    );
    const byOrdinal = podsByOrdinal(sts, owned);
    if (!sts.metadata?.deletionTimestamp) await this.managePods(sts, byOrdinal, updateRevision);
    return this.syncStatus(sts, byOrdinal, updateRevision);
  }

  /** Once per StatefulSet: volumeClaimTemplates need PersistentVolumeClaims, which kubelab lacks. */
  private warnAboutClaims(key: string, sts: StatefulSet): void {
    if (!sts.spec?.volumeClaimTemplates?.length || this.warnedAboutClaims.has(key)) return;
    this.warnedAboutClaims.add(key);
    void this.recorder.event(
      sts,
      'Warning',
      'VolumeClaimTemplatesNotSupported',
      'kubelab has no PersistentVolumeClaims yet: spec.volumeClaimTemplates is ignored',
    );
  }

  private async managePods(
    sts: StatefulSet,
    byOrdinal: ReadonlyMap<number, Pod>,
    updateRevision: string,
  ): Promise<void> {
    for (const action of statefulSetActions(sts, byOrdinal, updateRevision)) {
      if (action.type === 'delete') {
        await this.podControl.deletePod(action.pod, sts);
        continue;
      }
      try {
        await this.podControl.createPod(statefulPodFor(sts, action.ordinal, updateRevision), sts);
      } catch (e) {
        // Our cache has not seen the pod yet, or its predecessor still holds the name.
        if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
      }
    }
  }

  private async syncStatus(
    sts: StatefulSet,
    byOrdinal: ReadonlyMap<number, Pod>,
    updateRevision: string,
  ): Promise<ReconcileResult | undefined> {
    const status = statefulSetStatus(sts, byOrdinal, updateRevision, this.ctx.clock.now());
    if (JSON.stringify(status) !== JSON.stringify(sts.status ?? {}))
      await this.ctx.client
        .resource<StatefulSet>(resource.statefulSets, sts.metadata?.namespace)
        .updateStatus({ ...sts, status });
    // Ready pods become available minReadySeconds later without any event: look again then.
    const minReadySeconds = sts.spec?.minReadySeconds ?? 0;
    if (minReadySeconds > 0 && status.availableReplicas! < status.readyReplicas!)
      return { requeueAfterMs: minReadySeconds * 1000 };
    return undefined;
  }
}
