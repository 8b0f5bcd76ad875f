// Node IPAM (kube-controller-manager's nodeipam with the range allocator): gives every node
// its own /24 pod CIDR out of the cluster CIDR (api/cluster-network.ts, 10.244.0.0/16), once, so pod IPs never collide
// across nodes and the pod network can route each node's range to that node.
import type { Node } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller } from '../client/controller.js';
import type { ControllerFactory } from './context.js';

function cidrIndex(cidr: string | undefined): number | undefined {
  const m = /^10\.244\.(\d+)\.0\/24$/.exec(cidr ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The lowest /24 of the cluster CIDR that no node holds and that is not in `alsoUsed`, or
 * undefined when all 256 are taken.
 */
export function nextFreePodCIDR(nodes: readonly Node[], alsoUsed: Iterable<string> = []): string | undefined {
  const used = new Set(
    [...nodes.map((n) => n.spec?.podCIDR), ...alsoUsed].map(cidrIndex).filter((i) => i !== undefined),
  );
  for (let i = 0; i < 256; i++) if (!used.has(i)) return `10.244.${i}.0/24`;
  return undefined;
}

export const nodeIpamController: ControllerFactory = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const recorder = ctx.recorder('node-ipam-controller');
  // Ranges this controller gave that its informer may not show yet. Without them, nodes that
  // register together were each given the same lowest free range (the informer still showed
  // the first one without it); kube's range allocator keeps the same in-memory record.
  const assigned = new Map<string, string>();
  const controller = new Controller(
    // One worker: two allocations must not pick the same free range concurrently.
    { name: 'node-ipam-controller', clock: ctx.clock, workers: 1 },
    {
      async reconcile(name) {
        const node = nodes.get(name);
        if (!node || node.spec?.podCIDR) {
          assigned.delete(name);
          return;
        }
        // Given already; the informer has not caught up with the write yet.
        if (assigned.has(name)) return;
        const cidr = nextFreePodCIDR(nodes.list(), assigned.values());
        if (!cidr) {
          void recorder.event(
            node,
            'Warning',
            'CIDRNotAvailable',
            `Node ${name} status is now: CIDRNotAvailable`,
          );
          return;
        }
        try {
          await ctx.client.resource<Node>(resource.nodes).patch(
            name,
            {
              metadata: { resourceVersion: node.metadata?.resourceVersion },
              spec: { podCIDR: cidr, podCIDRs: [cidr] },
            },
            'merge',
          );
          assigned.set(name, cidr);
          void recorder.event(
            node,
            'Normal',
            'CIDRAssignmentSucceeded',
            `Assigned pod CIDR ${cidr} to node ${name}`,
          );
        } catch (e) {
          if (!(e instanceof StatusError && (e.reason === 'Conflict' || e.reason === 'NotFound'))) throw e;
          return { requeueAfterMs: 0 };
        }
      },
    },
  );
  controller.watch(nodes);
  return controller;
};
