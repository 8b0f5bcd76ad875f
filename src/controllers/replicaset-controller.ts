// The ReplicaSet controller, after kube's pkg/controller/replicaset: keep spec.replicas active
// pods matching the selector. It claims pods (adopts orphans, releases pods that stopped
// matching), creates missing pods in slow-start batches and deletes the least valuable extra
// ones, and records what it expects to see so it never acts twice on a cache that has not
// caught up with its own writes. A terminating pod is not active: a pod stuck Terminating on
// a lost node is replaced at once.
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { controllerKeyOf, controllerRefOf } from '../api/owner-references.js';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable } from '../api/pod-state.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import { objectKey, splitKey } from '../client/object-key.js';
import { claimObjects } from './claim-objects.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  ControllerExpectations,
  compareActivePods,
  PodControl,
  podFromTemplate,
  slowStartBatch,
  slowStartInitialBatchSize,
} from './pod-control.js';

/** kube's BurstReplicas: at most this many creates or deletes per sync. */
export const burstReplicas = 500;

/** The pods to delete to go from `active.length` to `replicas`: least valuable first. */
export function podsToDelete(active: readonly Pod[], count: number): Pod[] {
  return [...active].sort(compareActivePods).slice(0, count);
}

/** status.* counts of a ReplicaSet from its active pods (kube's calculateStatus). */
export function replicaSetCounts(
  rs: ReplicaSet,
  active: readonly Pod[],
  nowMs: number,
): Pick<ReplicaSetStatus, 'replicas' | 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas'> {
  const templateLabels = selectorFromLabelSelector({
    matchLabels: rs.spec?.template?.metadata?.labels ?? {},
  });
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  return {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => templateLabels.matches(p.metadata?.labels ?? {})).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReadySeconds, nowMs)).length,
  };
}

export const replicaSetController: ControllerFactory = (ctx) => {
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const replicaSets = ctx.informers.informerFor<ReplicaSet>(resource.replicaSets);
  const expectations = new ControllerExpectations(ctx.clock);
  const podControl = new PodControl(ctx.client, ctx.recorder('replicaset-controller'));
  const reconciler = new ReplicaSetReconciler(ctx, pods, replicaSets, expectations, podControl);
  const controller = new Controller(
    { name: 'replicaset-controller', clock: ctx.clock, workers: 2 },
    reconciler,
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

class ReplicaSetReconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly pods: Informer<Pod>,
    private readonly replicaSets: Informer<ReplicaSet>,
    private readonly expectations: ControllerExpectations,
    private readonly podControl: PodControl,
  ) {}

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const rs = this.replicaSets.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return undefined;
    }
    const { namespace } = splitKey(key);
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorFromLabelSelector(rs.spec?.selector);
    const candidates = this.pods.byIndex('namespace', namespace ?? '').filter(isPodActive);
    const active = await claimObjects(candidates, {
      controller: rs,
      selector,
      objects: this.ctx.client.resource<Pod>(resource.pods, namespace),
      recheck: () => this.fresh(rs),
    });

    let manageError: { reason: string; error: unknown } | undefined;
    if (needsSync && !rs.metadata?.deletionTimestamp)
      manageError = await this.manageReplicas(key, rs, active);

    const now = this.ctx.clock.now();
    await this.updateStatus(rs, active, now, manageError);
    if (manageError) throw manageError.error;

    // A ready pod becomes available minReadySeconds later without any event: look again then.
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const waits = active.map((p) => msUntilAvailable(p, minReady, now)).filter((ms) => ms !== undefined);
    return waits.length ? { requeueAfterMs: Math.min(...waits) } : undefined;
  }

  private async fresh(rs: ReplicaSet): Promise<ReplicaSet | undefined> {
    try {
      return await this.ctx.client
        .resource<ReplicaSet>(resource.replicaSets, rs.metadata?.namespace)
        .get(rs.metadata!.name!);
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
      throw e;
    }
  }

  private async manageReplicas(
    key: string,
    rs: ReplicaSet,
    active: Pod[],
  ): Promise<{ reason: string; error: unknown } | undefined> {
    const diff = active.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, burstReplicas);
      this.expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, slowStartInitialBatchSize, () =>
        this.podControl.createPod(podFromTemplate(rs.spec?.template, rs), rs),
      );
      // Pods that were never created will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      return error ? { reason: 'FailedCreate', error } : undefined;
    }
    if (diff > 0) {
      const victims = podsToDelete(active, Math.min(diff, burstReplicas));
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const results = await Promise.allSettled(victims.map((p) => this.podControl.deletePod(p, rs)));
      let error: unknown;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        this.expectations.deletionObserved(key, objectKey(victims[i]!));
        error ??= r.reason;
      });
      return error ? { reason: 'FailedDelete', error } : undefined;
    }
    return undefined;
  }

  private async updateStatus(
    rs: ReplicaSet,
    active: Pod[],
    now: number,
    manageError: { reason: string; error: unknown } | undefined,
  ): Promise<void> {
    const status: ReplicaSetStatus = {
      ...replicaSetCounts(rs, active, now),
      observedGeneration: rs.metadata?.generation,
      conditions: replicaFailureConditions(rs.status?.conditions, manageError, now),
    };
    if (!status.conditions?.length) delete status.conditions;
    if (JSON.stringify(status) === JSON.stringify(normalised(rs.status))) return;
    // The controller alone writes this status, so a merge patch (no resourceVersion) is safe
    // and never fails just because a user scaled the ReplicaSet meanwhile.
    try {
      await this.ctx.client
        .resource<ReplicaSet>(resource.replicaSets, rs.metadata?.namespace)
        .patch(
          rs.metadata!.name!,
          { status: { ...status, conditions: status.conditions ?? null } },
          'merge',
          {
            subresource: 'status',
          },
        );
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    }
  }
}

function normalised(status: ReplicaSetStatus | undefined): ReplicaSetStatus {
  const s: ReplicaSetStatus = {
    replicas: status?.replicas ?? 0,
    fullyLabeledReplicas: status?.fullyLabeledReplicas ?? 0,
    readyReplicas: status?.readyReplicas ?? 0,
    availableReplicas: status?.availableReplicas ?? 0,
    observedGeneration: status?.observedGeneration,
    conditions: status?.conditions,
  };
  if (!s.conditions?.length) delete s.conditions;
  return s;
}

/**
 * ReplicaFailure: set (once, keeping its first message) when creating or deleting pods fails,
 * removed when a sync succeeds, as kube does.
 */
function replicaFailureConditions(
  current: ReplicaSetCondition[] | undefined,
  failure: { reason: string; error: unknown } | undefined,
  now: number,
): ReplicaSetCondition[] {
  const others = (current ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const existing = current?.find((c) => c.type === 'ReplicaFailure');
  if (!failure) return others;
  if (existing) return current ?? [];
  return [
    ...others,
    {
      type: 'ReplicaFailure',
      status: 'True',
      reason: failure.reason,
      message: (failure.error as Error)?.message ?? String(failure.error),
      lastTransitionTime: rfc3339(now),
    },
  ];
}
