// The Deployment controller, after kube's pkg/controller/deployment: a Deployment owns one
// ReplicaSet per pod template and moves pods from the old ones to the new one — a rolling
// update bounded by maxSurge/maxUnavailable, or Recreate (all old pods gone before any new
// one starts). It numbers revisions, scales proportionally when resized mid-rollout, keeps
// revisionHistoryLimit old ReplicaSets, stands still while paused, and reports progress
// against progressDeadlineSeconds. It only writes ReplicaSets; pods are the ReplicaSet
// controller's business.
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  computeTemplateHash,
  equalIgnoringHash,
  findNewReplicaSet,
  maxRevision,
  podTemplateHashLabel,
  replicaSetsToCleanUp,
  revisionAnnotation,
  setNewReplicaSetAnnotations,
} from '../api/deployment-revisions.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { controllerKeyOf, controllerRefOf, newControllerRef } from '../api/owner-references.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import { objectKey, splitKey } from '../client/object-key.js';
import type { ResourceClient } from '../client/rest-client.js';
import { claimObjects, getLive } from './claim-objects.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  compareOldestFirst,
  desiredReplicas,
  desiredReplicasAnnotation,
  desiredReplicasOf,
  maxReplicasAnnotation,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  sortForProportionalScaling,
  specReplicas,
  sumSpecReplicas,
  sumStatus,
} from './deployment-replicas.js';
import {
  activeReplicaSets,
  calculateStatus,
  compactStatus,
  deploymentComplete,
  getCondition,
  newCondition,
  type ProgressingReason,
  progressDeadlineAt,
  rolloutStatus,
  setCondition,
} from './deployment-status.js';
import { deleteIfPresent } from './object-deletion.js';

export const deploymentController: ControllerFactory = (ctx) => {
  const deployments = ctx.informers.informerFor<Deployment>(resource.deployments);
  const replicaSets = ctx.informers.informerFor<ReplicaSet>(resource.replicaSets);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const controller = new Controller(
    { name: 'deployment-controller', clock: ctx.clock, workers: 2 },
    new DeploymentController(ctx, deployments, replicaSets, pods),
  );
  controller.watch(deployments);

  const matchingDeployments = (rs: ReplicaSet): string[] =>
    deployments
      .byIndex('namespace', rs.metadata?.namespace ?? '')
      .filter((d) => selectorFromLabelSelector(d.spec?.selector).matches(rs.metadata?.labels ?? {}))
      .map(objectKey);
  controller.watch(replicaSets, (rs) => {
    const owner = controllerKeyOf(rs, 'Deployment');
    if (owner) return [owner];
    return controllerRefOf(rs) ? [] : matchingDeployments(rs);
  });
  // Recreate waits for old pods to be gone; a pod's deletion is the event that says so.
  pods.onDelete((pod) => {
    const rsKey = controllerKeyOf(pod, 'ReplicaSet');
    const rs = rsKey ? replicaSets.get(rsKey) : undefined;
    const owner = rs ? controllerKeyOf(rs, 'Deployment') : undefined;
    if (owner) controller.enqueue(owner);
  });
  return controller;
};

interface Rollout {
  d: Deployment;
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

function allOf(r: Rollout): ReplicaSet[] {
  return r.newRS ? [r.newRS, ...r.oldRSs] : [...r.oldRSs];
}

export class DeploymentController implements Reconciler {
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly deployments: Informer<Deployment>,
    private readonly replicaSets: Informer<ReplicaSet>,
    private readonly pods: Informer<Pod>,
  ) {
    this.recorder = ctx.recorder('deployment-controller');
  }

  private rsClient(namespace: string | undefined): ResourceClient<ReplicaSet> {
    return this.ctx.client.resource<ReplicaSet>(resource.replicaSets, namespace);
  }

  private deploymentClient(namespace: string | undefined): ResourceClient<Deployment> {
    return this.ctx.client.resource<Deployment>(resource.deployments, namespace);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const cached = this.deployments.get(key);
    if (!cached) return undefined;
    // Work on a copy: the steps below update it as they write, and the cache must stay as the server sent it.
    const d = structuredClone(cached);
    const { namespace } = splitKey(key);
    const selector = selectorFromLabelSelector(d.spec?.selector);
    if (selector.isEverything()) {
      void this.recorder.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      return undefined;
    }
    const rss = await claimObjects(this.replicaSets.byIndex('namespace', namespace ?? ''), {
      controller: d,
      selector,
      objects: this.rsClient(namespace),
      recheck: () => getLive(this.deploymentClient(namespace), d.metadata!.name!),
    });

    if (d.metadata?.deletionTimestamp) {
      const r = this.split(d, rss);
      await this.syncStatus(r);
      return undefined;
    }
    await this.checkPausedConditions(d);
    if (d.spec?.paused) {
      await this.syncScaleOnly(d, rss);
      return undefined;
    }
    if (this.isScalingEvent(d, rss)) {
      await this.syncScaleOnly(d, rss);
      return undefined;
    }
    const status =
      d.spec?.strategy?.type === 'Recreate'
        ? await this.rolloutRecreate(d, rss)
        : await this.rolloutRolling(d, rss);
    const deadline = status && progressDeadlineAt(d, status);
    if (deadline === undefined || (status && deploymentComplete(d, status))) return undefined;
    return { requeueAfterMs: Math.max(0, deadline - this.ctx.clock.now()) + 1000 };
  }

  private split(d: Deployment, rss: ReplicaSet[]): Rollout {
    const newRS = findNewReplicaSet(d, rss);
    return { d, newRS, oldRSs: rss.filter((rs) => rs !== newRS) };
  }

  /** kube's checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed. */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    const cond = getCondition(d.status, 'Progressing');
    if (!cond && !d.spec?.paused) return;
    if (cond?.reason === 'ProgressDeadlineExceeded') return;
    const pausedCond = cond?.reason === 'DeploymentPaused';
    const now = this.ctx.clock.now();
    const status: DeploymentStatus = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedCond)
      setCondition(
        status,
        newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now),
      );
    else if (!d.spec?.paused && pausedCond)
      setCondition(
        status,
        newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now),
      );
    else return;
    await this.writeStatus(d, status);
  }

  /** A Deployment resized since its active ReplicaSets were last sized (kube's isScalingEvent). */
  private isScalingEvent(d: Deployment, rss: ReplicaSet[]): boolean {
    const { newRS, oldRSs } = this.split(d, rss);
    return activeReplicaSets(newRS, oldRSs).some((rs) => {
      const desired = desiredReplicasOf(rs);
      return desired !== undefined && desired !== desiredReplicas(d);
    });
  }

  /** Paused or resized: scale what exists, create nothing new (kube's sync). */
  private async syncScaleOnly(d: Deployment, rss: ReplicaSet[]): Promise<void> {
    const r = await this.getAllReplicaSetsAndSyncRevision(d, rss, false);
    await this.scale(r);
    if (d.spec?.paused) await this.cleanup(r);
    await this.syncStatus(r);
  }

  private async rolloutRolling(d: Deployment, rss: ReplicaSet[]): Promise<DeploymentStatus | undefined> {
    const r = await this.getAllReplicaSetsAndSyncRevision(d, rss, true);
    if (await this.reconcileNewReplicaSet(r)) return this.syncRolloutStatus(r);
    if (await this.reconcileOldReplicaSets(r)) return this.syncRolloutStatus(r);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(r);
    return this.syncRolloutStatus(r);
  }

  private async rolloutRecreate(d: Deployment, rss: ReplicaSet[]): Promise<DeploymentStatus | undefined> {
    let r = await this.getAllReplicaSetsAndSyncRevision(d, rss, false);
    let scaledDown = false;
    for (const rs of r.oldRSs.filter((rs) => specReplicas(rs) > 0)) {
      if (await this.scaleReplicaSet(r, rs, 0)) scaledDown = true;
    }
    if (scaledDown || this.oldPodsRunning(r)) return this.syncRolloutStatus(r);
    if (!r.newRS) r = await this.getAllReplicaSetsAndSyncRevision(d, rss, true);
    if (r.newRS) await this.scaleReplicaSet(r, r.newRS, desiredReplicas(d));
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(r);
    return this.syncRolloutStatus(r);
  }

  /** Any pod of an old ReplicaSet still exists and has not finished (kube's oldPodsRunning). */
  private oldPodsRunning(r: Rollout): boolean {
    if (sumStatus(r.oldRSs, 'replicas') > 0) return true;
    const oldUids = new Set(r.oldRSs.map((rs) => rs.metadata?.uid));
    return this.pods
      .byIndex('namespace', r.d.metadata?.namespace ?? '')
      .some(
        (p) =>
          oldUids.has(controllerRefOf(p)?.uid) &&
          p.status?.phase !== 'Succeeded' &&
          p.status?.phase !== 'Failed',
      );
  }

  /**
   * Finds (or, when `create`, makes) the ReplicaSet for the current template and brings
   * revision annotations up to date on it and the Deployment (kube's
   * getAllReplicaSetsAndSyncRevision).
   */
  private async getAllReplicaSetsAndSyncRevision(
    d: Deployment,
    rss: ReplicaSet[],
    create: boolean,
  ): Promise<Rollout> {
    const { newRS: existing, oldRSs } = this.split(d, rss);
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.ctx.clock.now();
    if (existing) {
      const rs = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision);
      const minReadyChanged = (rs.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      let newRS = existing;
      if (annotationsChanged || minReadyChanged) {
        rs.spec = { ...rs.spec!, minReadySeconds: d.spec?.minReadySeconds };
        newRS = await this.rsClient(rs.metadata?.namespace).update(rs);
      }
      await this.setDeploymentRevision(d, newRS.metadata?.annotations?.[revisionAnnotation]);
      if (!getCondition(d.status, 'Progressing')) {
        await this.writeStatus(
          d,
          progressing(d, 'FoundNewReplicaSet', `Found new replica set "${newRS.metadata?.name}"`, now),
        );
      }
      return { d, newRS, oldRSs };
    }
    if (!create) return { d, newRS: undefined, oldRSs };
    const newRS = await this.createNewReplicaSet(d, oldRSs, newRevision);
    return { d, newRS, oldRSs };
  }

  private async createNewReplicaSet(
    d: Deployment,
    oldRSs: ReplicaSet[],
    newRevision: number,
  ): Promise<ReplicaSet> {
    const hash = computeTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash },
    };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata?.name}-${hash}`,
        namespace: d.metadata?.namespace,
        labels: template.metadata.labels,
        ownerReferences: [newControllerRef(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector, template },
    };
    const draft: Rollout = { d, newRS: rs, oldRSs };
    rs.spec!.replicas = newRSNewReplicas(d, allOf(draft), rs);
    setNewReplicaSetAnnotations(d, rs, newRevision);
    setReplicasAnnotations(rs, d);
    const client = this.rsClient(d.metadata?.namespace);
    let created: ReplicaSet;
    try {
      created = await client.create(rs);
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
      // Ours already, with our template (the cache had not caught up): use it.
      const found = await client.get(rs.metadata!.name!);
      if (
        controllerRefOf(found)?.uid === d.metadata?.uid &&
        equalIgnoringHash(found.spec?.template, d.spec?.template)
      )
        return found;
      // A hash collision: count it so the next hash differs, and try again.
      const status = structuredClone(d.status ?? {});
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      await this.writeStatus(d, status);
      throw new Error(
        `replica set ${rs.metadata?.name} already exists with another template; collisionCount is now ${status.collisionCount}`,
      );
    }
    if (specReplicas(created) > 0)
      void this.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata?.name} to ${specReplicas(created)} from 0`,
      );
    await this.setDeploymentRevision(d, String(newRevision));
    await this.writeStatus(
      d,
      progressing(
        d,
        'NewReplicaSetCreated',
        `Created new replica set "${created.metadata?.name}"`,
        this.ctx.clock.now(),
      ),
    );
    return created;
  }

  /** Puts the new ReplicaSet's revision on the Deployment (kube's SetDeploymentRevision). */
  private async setDeploymentRevision(d: Deployment, revision: string | undefined): Promise<void> {
    if (!revision || d.metadata?.annotations?.[revisionAnnotation] === revision) return;
    const updated = await this.deploymentClient(d.metadata?.namespace).patch(
      d.metadata!.name!,
      { metadata: { annotations: { [revisionAnnotation]: revision } } },
      'merge',
    );
    d.metadata = {
      ...d.metadata,
      annotations: updated.metadata?.annotations,
      resourceVersion: updated.metadata?.resourceVersion,
    };
  }

  private async reconcileNewReplicaSet(r: Rollout): Promise<boolean> {
    const { d, newRS } = r;
    if (!newRS) return false;
    const replicas = desiredReplicas(d);
    if (specReplicas(newRS) === replicas) return false;
    if (specReplicas(newRS) > replicas) return this.scaleReplicaSet(r, newRS, replicas);
    return this.scaleReplicaSet(r, newRS, newRSNewReplicas(d, allOf(r), newRS));
  }

  /** kube's reconcileOldReplicaSets: first unhealthy old pods, then healthy ones down to the minimum available. */
  private async reconcileOldReplicaSets(r: Rollout): Promise<boolean> {
    const { d, newRS } = r;
    if (sumSpecReplicas(r.oldRSs) === 0) return false;
    const budget = maxScaledDown(d, allOf(r), newRS);
    if (budget <= 0) return false;
    const old = [...r.oldRSs].sort(compareOldestFirst);
    let cleaned = 0;
    for (const rs of old) {
      if (cleaned >= budget) break;
      const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
      const count = Math.min(budget - cleaned, unhealthy);
      await this.scaleReplicaSet(r, rs, specReplicas(rs) - count);
      cleaned += count;
    }
    // Healthy old pods may go only while availability stays at the minimum.
    const minAvailable = desiredReplicas(d) - maxUnavailable(d);
    const available = sumStatus(allOf(r), 'availableReplicas');
    const total = available - minAvailable;
    let scaled = 0;
    if (total > 0) {
      for (const rs of old) {
        if (scaled >= total) break;
        if (specReplicas(rs) === 0) continue;
        const count = Math.min(specReplicas(rs), total - scaled);
        await this.scaleReplicaSet(r, rs, specReplicas(rs) - count);
        scaled += count;
      }
    }
    return cleaned + scaled > 0;
  }

  /** kube's scale: resize the one active ReplicaSet, or spread a resize over all in proportion. */
  private async scale(r: Rollout): Promise<void> {
    const { d, newRS, oldRSs } = r;
    const replicas = desiredReplicas(d);
    const active = activeReplicaSets(newRS, oldRSs);
    const activeOrLatest =
      active.length === 1
        ? active[0]
        : active.length === 0
          ? (newRS ?? [...oldRSs].sort(compareOldestFirst).at(-1))
          : undefined;
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== replicas) await this.scaleReplicaSet(r, activeOrLatest, replicas);
      return;
    }
    const saturated =
      newRS !== undefined &&
      specReplicas(newRS) === replicas &&
      desiredReplicasOf(newRS) === replicas &&
      (newRS.status?.availableReplicas ?? 0) === replicas;
    if (saturated) {
      for (const rs of oldRSs.filter((rs) => specReplicas(rs) > 0)) await this.scaleReplicaSet(r, rs, 0);
      return;
    }
    if ((d.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
    const ordered = sortForProportionalScaling(active, allowed - sumSpecReplicas(active) > 0);
    const sizes = proportionalSizes(d, ordered);
    for (const rs of ordered)
      await this.scaleReplicaSet(r, rs, sizes.get(rs.metadata!.name!) ?? specReplicas(rs), true);
  }

  /**
   * Sets a ReplicaSet's replicas and its desired/max-replicas annotations, with kube's
   * ScalingReplicaSet event. `always` writes the annotations even when the size is unchanged.
   */
  private async scaleReplicaSet(
    r: Rollout,
    rs: ReplicaSet,
    newScale: number,
    always = false,
  ): Promise<boolean> {
    const oldScale = specReplicas(rs);
    if (oldScale === newScale && !always) return false;
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, r.d);
    if (oldScale === newScale && !annotationsChanged) return false;
    copy.spec = { ...copy.spec!, replicas: newScale };
    const updated = await this.rsClient(rs.metadata?.namespace).update(copy);
    if (r.newRS === rs) r.newRS = updated;
    else r.oldRSs = r.oldRSs.map((o) => (o === rs ? updated : o));
    if (oldScale !== newScale) {
      const op = newScale > oldScale ? 'up' : 'down';
      void this.recorder.event(
        r.d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${rs.metadata?.name} to ${newScale} from ${oldScale}`,
      );
    }
    return oldScale !== newScale;
  }

  /** Deletes old ReplicaSets beyond revisionHistoryLimit (kube's cleanupDeployment). */
  private async cleanup(r: Rollout): Promise<void> {
    for (const rs of replicaSetsToCleanUp(r.d, r.oldRSs))
      await deleteIfPresent(this.rsClient(rs.metadata?.namespace), rs);
  }

  private async syncStatus(r: Rollout): Promise<void> {
    await this.writeStatus(r.d, calculateStatus(r.d, allOf(r), r.newRS, this.ctx.clock.now()));
  }

  private async syncRolloutStatus(r: Rollout): Promise<DeploymentStatus> {
    const now = this.ctx.clock.now();
    const status = rolloutStatus(r.d, calculateStatus(r.d, allOf(r), r.newRS, now), allOf(r), r.newRS, now);
    await this.writeStatus(r.d, status);
    return status;
  }

  /** Writes status if it changed, and keeps `d.status` in step so later steps compare against it. */
  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const next = compactStatus(status);
    if (JSON.stringify(next) === JSON.stringify(compactStatus(d.status ?? {}))) return;
    const client = this.deploymentClient(d.metadata?.namespace);
    try {
      const updated = await client.updateStatus({ ...d, status: next });
      d.metadata = { ...d.metadata, resourceVersion: updated.metadata?.resourceVersion };
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'Conflict')) throw e;
      const latest = await client.get(d.metadata!.name!);
      // Status computed from an older generation must not claim to have observed a newer one.
      if ((latest.metadata?.generation ?? 0) !== (d.metadata?.generation ?? 0)) throw e;
      const updated = await client.updateStatus({ ...latest, status: next });
      d.metadata = { ...d.metadata, resourceVersion: updated.metadata?.resourceVersion };
    }
    d.status = next;
  }
}

/** Records the Deployment's replicas and replicas+maxSurge on a ReplicaSet (kube's SetReplicasAnnotations). */
function setReplicasAnnotations(rs: ReplicaSet, d: Deployment): boolean {
  const desired = String(desiredReplicas(d));
  const max = String(desiredReplicas(d) + maxSurge(d));
  const a = rs.metadata?.annotations ?? {};
  if (a[desiredReplicasAnnotation] === desired && a[maxReplicasAnnotation] === max) return false;
  rs.metadata = {
    ...rs.metadata,
    annotations: { ...a, [desiredReplicasAnnotation]: desired, [maxReplicasAnnotation]: max },
  };
  return true;
}

/** The Deployment's status with Progressing=True for `reason` (the other conditions kept). */
function progressing(
  d: Deployment,
  reason: ProgressingReason,
  message: string,
  nowMs: number,
): DeploymentStatus {
  const status = structuredClone(d.status ?? {});
  setCondition(status, newCondition('Progressing', 'True', reason, message, nowMs));
  return status;
}
