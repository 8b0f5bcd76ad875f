// Node lifecycle (kube's node-lifecycle-controller): decides from Lease heartbeats whether a
// node is alive. A node whose agent has not renewed its Lease for the profile's grace period
// gets its conditions set to Unknown ("Kubelet stopped posting node status.") and the
// node.kubernetes.io/unreachable taints; a node reporting Ready=False gets the not-ready
// taints; a healthy node has neither. The NoExecute taints are what evicts pods (see
// taint-eviction-controller.ts); the NoSchedule ones keep the scheduler away. The judgement is
// in node-health.ts; this file reads and writes.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { decideNodeHealth } from './node-health.js';

export const nodeLifecycleController: ControllerFactory = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const leases = ctx.informers.informerFor<Lease>(resource.leases, { namespace: 'kube-node-lease' });
  const controller = new Controller(
    { name: 'node-lifecycle-controller', clock: ctx.clock },
    new NodeLifecycleController(ctx, nodes, leases),
  );
  controller.watch(nodes);
  controller.watch(leases, (lease) => [lease.metadata?.name]);
  return controller;
};

export class NodeLifecycleController implements Reconciler {
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodes: Informer<Node>,
    private readonly leases: Informer<Lease>,
  ) {
    this.recorder = ctx.recorder('node-controller');
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const node = this.nodes.get(name);
    if (!node) return undefined;
    const lease = this.leases.get(`kube-node-lease/${name}`);
    const health = decideNodeHealth(node, lease, this.ctx.clock.now(), this.ctx.profile);
    if (health.type === 'silent') {
      // The status update comes back through the informer and brings the taints.
      await this.markUnknown(node, health.conditions);
      return undefined;
    }
    if (health.taints) await this.setTaints(node, health.taints);
    return health.recheckAfterMs === undefined ? undefined : { requeueAfterMs: health.recheckAfterMs };
  }

  private async markUnknown(node: Node, conditions: NodeCondition[]): Promise<void> {
    const name = node.metadata!.name!;
    await this.ctx.client
      .resource<Node>(resource.nodes)
      .patch(name, { status: { conditions } }, 'strategic', { subresource: 'status' });
    void this.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
  }

  private async setTaints(node: Node, taints: Taint[]): Promise<void> {
    try {
      // The resourceVersion makes this a compare-and-swap: taints decided from a stale view of
      // the node must not overwrite a newer one.
      await this.ctx.client
        .resource<Node>(resource.nodes)
        .patch(
          node.metadata!.name!,
          { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } },
          'merge',
        );
    } catch (e) {
      // A concurrent node update: the informer delivers it and we look again.
      if (!(e instanceof StatusError && e.reason === 'Conflict')) throw e;
    }
  }
}
