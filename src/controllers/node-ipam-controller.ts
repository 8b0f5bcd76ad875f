// Node IPAM (kube-controller-manager's nodeipam with the range allocator): gives every node
// its own /24 pod CIDR out of the cluster CIDR (api/cluster-network.ts, 10.244.0.0/16), once,
// so pod IPs never collide across nodes and the pod network can route each node's range to
// that node. Which range is free is decided in pod-cidrs.ts.
import type { Node } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { nextFreePodCIDR } from './pod-cidrs.js';

export const nodeIpamController: ControllerFactory = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const controller = new Controller(
    // One worker: two allocations must not pick the same free range concurrently.
    { name: 'node-ipam-controller', clock: ctx.clock, workers: 1 },
    new NodeIpamController(ctx, nodes),
  );
  controller.watch(nodes);
  return controller;
};

export class NodeIpamController implements Reconciler {
  private readonly recorder: EventRecorder;
  // Ranges this controller gave that its informer may not show yet. Without them, nodes that
  // register together were each given the same lowest free range (the informer still showed
  // the first one without it); kube's range allocator keeps the same in-memory record.
  private readonly assigned = new Map<string, string>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodes: Informer<Node>,
  ) {
    this.recorder = ctx.recorder('node-ipam-controller');
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const node = this.nodes.get(name);
    if (!node || node.spec?.podCIDR) {
      this.assigned.delete(name);
      return undefined;
    }
    // Given already; the informer has not caught up with the write yet.
    if (this.assigned.has(name)) return undefined;
    const cidr = nextFreePodCIDR(this.nodes.list(), this.assigned.values());
    if (!cidr) {
      void this.recorder.event(
        node,
        'Warning',
        'CIDRNotAvailable',
        `Node ${name} status is now: CIDRNotAvailable`,
      );
      return undefined;
    }
    return this.assign(node, cidr);
  }

  /** Patches the range onto the node; a node changed or gone meanwhile is looked at again. */
  private async assign(node: Node, cidr: string): Promise<ReconcileResult | undefined> {
    const name = node.metadata!.name!;
    try {
      await this.ctx.client.resource<Node>(resource.nodes).patch(
        name,
        {
          metadata: { resourceVersion: node.metadata?.resourceVersion },
          spec: { podCIDR: cidr, podCIDRs: [cidr] },
        },
        'merge',
      );
    } catch (e) {
      if (!(e instanceof StatusError && (e.reason === 'Conflict' || e.reason === 'NotFound'))) throw e;
      return { requeueAfterMs: 0 };
    }
    this.assigned.set(name, cidr);
    void this.recorder.event(
      node,
      'Normal',
      'CIDRAssignmentSucceeded',
      `Assigned pod CIDR ${cidr} to node ${name}`,
    );
    return undefined;
  }
}
