// Pod garbage collection (kube's pkg/controller/podgc, the orphaned-pod part): a pod bound to
// a Node object that no longer exists has no agent left to confirm its termination, so it would
// stay Terminating forever and block whatever waits for it (a StatefulSet's replacement, a
// namespace's deletion). It is force-deleted (grace period 0). The node's absence is confirmed
// with a live GET first: a node just created may not have reached our cache yet.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { Controller, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import { getLive } from './claim-objects.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { deleteIfPresent } from './object-deletion.js';

export const podGarbageCollector: ControllerFactory = (ctx) => {
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  pods.ensureIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const controller = new Controller(
    { name: 'pod-garbage-collector', clock: ctx.clock },
    new PodGarbageCollector(ctx, pods, nodes),
  );
  controller.watch(pods, (p) => (p.spec?.nodeName ? [objectKey(p)] : []));
  nodes.onDelete((node) => {
    for (const p of pods.byIndex('nodeName', node.metadata!.name!)) controller.enqueue(objectKey(p));
  });
  return controller;
};

export class PodGarbageCollector implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly pods: Informer<Pod>,
    private readonly nodes: Informer<Node>,
  ) {}

  async reconcile(key: string): Promise<void> {
    const pod = this.pods.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || (await this.nodeExists(nodeName))) return;
    await this.forceDelete(key, pod, nodeName);
  }

  private async nodeExists(name: string): Promise<boolean> {
    if (this.nodes.get(name)) return true;
    return (await getLive(this.ctx.client.resource<Node>(resource.nodes), name)) !== undefined;
  }

  private async forceDelete(key: string, pod: Pod, nodeName: string): Promise<void> {
    this.ctx.log(`pod-garbage-collector: force-deleting pod ${key}: node ${nodeName} no longer exists`);
    await deleteIfPresent(this.ctx.client.resource<Pod>(resource.pods, pod.metadata?.namespace), pod, {
      gracePeriodSeconds: 0,
    });
  }
}
