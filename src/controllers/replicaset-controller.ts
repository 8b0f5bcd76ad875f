// The ReplicaSet controller, after kube's pkg/controller/replicaset: keep spec.replicas active
// pods matching the selector. It claims pods (adopts orphans, releases pods that stopped
// matching), creates missing pods in slow-start batches and deletes the least valuable extra
// ones, and records what it expects to see so it never acts twice on a cache that has not
// caught up with its own writes. A terminating pod is not active: a pod stuck Terminating on
// a lost node is replaced at once. The arithmetic and the status are in replicaset-replicas.ts;
// this file reads and writes.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { controllerKeyOf, controllerRefOf } from '../api/owner-references.js';
import { isPodActive } from '../api/pod-state.js';
import { resource } from '../api/resources.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { ignoreNotFound } from './object-deletion.js';
import { podFromTemplate } from './owned-pods.js';
import {
  ControllerExpectations,
  claimPods,
  PodControl,
  slowStartBatch,
  slowStartInitialBatchSize,
} from './pod-control.js';
import {
  decideReplicas,
  msUntilNextAvailable,
  type ReplicaFailure,
  replicaSetStatusUpdate,
} from './replicaset-replicas.js';

export const replicaSetController: ControllerFactory = (ctx) => {
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const replicaSets = ctx.informers.informerFor<ReplicaSet>(resource.replicaSets);
  const expectations = new ControllerExpectations(ctx.clock);
  const podControl = new PodControl(ctx.client, ctx.recorder('replicaset-controller'));
  const controller = new Controller(
    { name: 'replicaset-controller', clock: ctx.clock, workers: 2 },
    new ReplicaSetController(ctx, pods, replicaSets, expectations, podControl),
  );
  controller.watch(replicaSets);

  // An orphan may be adopted by any ReplicaSet whose selector matches it.
  const matchingReplicaSets = (pod: Pod): string[] =>
    replicaSets
      .byIndex('namespace', pod.metadata?.namespace ?? '')
      .filter((rs) => selectorFromLabelSelector(rs.spec?.selector).matches(pod.metadata?.labels ?? {}))
      .map(objectKey);
  const ownerKey = (pod: Pod) => controllerKeyOf(pod, 'ReplicaSet');
  const observeDeletion = (pod: Pod) => {
    const key = ownerKey(pod);
    if (!key) return;
    expectations.deletionObserved(key, objectKey(pod));
    controller.enqueue(key);
  };
  pods.addEventHandler({
    onAdd(pod) {
      // A pod that starts out terminating (seen first after a relist) is a deletion to us.
      if (pod.metadata?.deletionTimestamp) return observeDeletion(pod);
      const key = ownerKey(pod);
      if (key) {
        expectations.creationObserved(key);
        controller.enqueue(key);
      } else if (!controllerRefOf(pod)) {
        for (const k of matchingReplicaSets(pod)) controller.enqueue(k);
      }
    },
    onUpdate(old, pod) {
      if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) return observeDeletion(pod);
      const oldKey = ownerKey(old);
      const key = ownerKey(pod);
      if (oldKey && oldKey !== key) controller.enqueue(oldKey);
      if (key) controller.enqueue(key);
      else if (!controllerRefOf(pod)) for (const k of matchingReplicaSets(pod)) controller.enqueue(k);
    },
    onDelete: observeDeletion,
  });
  replicaSets.onDelete((rs) => expectations.forget(objectKey(rs)));
  return controller;
};

export class ReplicaSetController implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly pods: Informer<Pod>,
    private readonly replicaSets: Informer<ReplicaSet>,
    private readonly expectations: ControllerExpectations,
    private readonly podControl: PodControl,
  ) {}

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const rs = this.replicaSets.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return undefined;
    }
    const needsSync = this.expectations.satisfied(key);
    const candidates = this.pods.byIndex('namespace', rs.metadata!.namespace!).filter(isPodActive);
    const active = await claimPods(this.ctx.client, rs, resource.replicaSets, candidates);
    const failure =
      needsSync && !rs.metadata?.deletionTimestamp ? await this.manageReplicas(key, rs, active) : undefined;
    const now = this.ctx.clock.now();
    await this.syncStatus(rs, active, now, failure);
    if (failure) throw failure.error;
    // A ready pod becomes available minReadySeconds later without any event: look again then.
    const wait = msUntilNextAvailable(rs, active, now);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  }

  /** Creates or deletes pods; a failure is returned, for the status to report before it is thrown. */
  private async manageReplicas(
    key: string,
    rs: ReplicaSet,
    active: Pod[],
  ): Promise<ReplicaFailure | undefined> {
    const change = decideReplicas(rs, active);
    if (change?.type === 'create') {
      this.expectations.expectCreations(key, change.count);
      const { successes, error } = await slowStartBatch(change.count, slowStartInitialBatchSize, () =>
        this.podControl.createPod(podFromTemplate(rs.spec?.template, rs), rs),
      );
      // Pods that were never created will never be observed.
      for (let i = successes; i < change.count; i++) this.expectations.creationObserved(key);
      return error ? { reason: 'FailedCreate', error } : undefined;
    }
    if (change?.type === 'delete') {
      const error = await this.podControl.deletePodsExpecting(this.expectations, key, change.pods, rs);
      return error ? { reason: 'FailedDelete', error } : undefined;
    }
    return undefined;
  }

  private async syncStatus(
    rs: ReplicaSet,
    active: Pod[],
    now: number,
    failure: ReplicaFailure | undefined,
  ): Promise<void> {
    const status = replicaSetStatusUpdate(rs, active, now, failure);
    if (!status) return;
    // The controller alone writes this status, so a merge patch (no resourceVersion) is safe
    // and never fails just because a user scaled the ReplicaSet meanwhile.
    await ignoreNotFound(
      this.ctx.client
        .resource<ReplicaSet>(resource.replicaSets, rs.metadata?.namespace)
        .patch(
          rs.metadata!.name!,
          { status: { ...status, conditions: status.conditions ?? null } },
          'merge',
          {
            subresource: 'status',
          },
        ),
    );
  }
}
