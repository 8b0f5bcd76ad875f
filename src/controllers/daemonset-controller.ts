// The DaemonSet controller (kube's pkg/controller/daemon): one pod on every eligible node.
// Nodes joining get a pod; pods of nodes that left or became ineligible are deleted; the
// scheduler binds the pods, which are pinned to their node by affinity. Updates are
// RollingUpdate (maxUnavailable, maxSurge) or OnDelete, by the `controller-revision-hash`
// label (a stable hash of the template). Where pods belong is decided in
// daemonset-placement.ts; this file reads and writes.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { computeTemplateHash } from '../api/deployment-revisions.js';
import { controllerKeyOf } from '../api/owner-references.js';
import { resource } from '../api/resources.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  type DaemonPlan,
  daemonPodFor,
  daemonSetStatusUpdate,
  planDaemonPods,
} from './daemonset-placement.js';
import { ControllerExpectations, claimPods, PodControl } from './pod-control.js';

export const daemonSetController: ControllerFactory = (ctx) => {
  const daemonSets = ctx.informers.informerFor<DaemonSet>(resource.daemonSets);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const expectations = new ControllerExpectations(ctx.clock);
  const controller = new Controller(
    { name: 'daemonset-controller', clock: ctx.clock, workers: 2 },
    new DaemonSetController(ctx, daemonSets, pods, nodes, expectations),
  );
  controller.watch(daemonSets);
  controller.watch(pods, (p) => [controllerKeyOf(p, 'DaemonSet')]);
  // Any node change may change where daemons belong.
  controller.watch(nodes, () => daemonSets.keys());
  expectations.observePodsOf(pods, 'DaemonSet');
  return controller;
};

export class DaemonSetController implements Reconciler {
  private readonly podControl: PodControl;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly daemonSets: Informer<DaemonSet>,
    private readonly pods: Informer<Pod>,
    private readonly nodes: Informer<Node>,
    private readonly expectations: ControllerExpectations,
  ) {
    this.podControl = new PodControl(ctx.client, ctx.recorder('daemonset-controller'));
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const ds = this.daemonSets.get(key);
    if (!ds) {
      this.expectations.forget(key);
      return undefined;
    }
    const nowMs = this.ctx.clock.now();
    const hash = computeTemplateHash(ds.spec?.template, ds.status?.collisionCount);
    const owned = await claimPods(
      this.ctx.client,
      ds,
      resource.daemonSets,
      this.pods.byIndex('namespace', ds.metadata!.namespace!),
    );
    const plan = planDaemonPods(ds, this.nodes.list(), owned, hash, nowMs);
    const again = await this.managePods(key, ds, plan, hash);
    await this.syncStatus(ds, plan);
    // Deletes waited for this pass's creates: do them now.
    if (again) return { requeueAfterMs: 0 };
    // Pods that are ready but not yet available for minReadySeconds: look again then.
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    if (minReadySeconds > 0 && plan.counts.ready > plan.counts.available)
      return { requeueAfterMs: minReadySeconds * 1000 };
    return undefined;
  }

  /**
   * Creates the missing pods, or, when none is missing, deletes the unwanted ones — once the
   * cache has caught up with earlier writes. True when deletions wait for the next pass.
   */
  private async managePods(key: string, ds: DaemonSet, plan: DaemonPlan, hash: string): Promise<boolean> {
    const { toCreate, toDelete } = plan;
    if (!this.expectations.satisfied(key) || (toCreate.length === 0 && toDelete.length === 0)) return false;
    if (toCreate.length > 0) {
      const pods = toCreate.map((node) => daemonPodFor(ds, node, hash));
      await this.podControl.createPodsExpecting(this.expectations, key, pods, ds);
      return toDelete.length > 0;
    }
    const error = await this.podControl.deletePodsExpecting(this.expectations, key, toDelete, ds);
    if (error) throw error;
    return false;
  }

  private async syncStatus(ds: DaemonSet, plan: DaemonPlan): Promise<void> {
    const status = daemonSetStatusUpdate(ds, plan.counts);
    if (status)
      await this.ctx.client
        .resource<DaemonSet>(resource.daemonSets, ds.metadata?.namespace)
        .updateStatus({ ...ds, status });
  }
}
