// Pod garbage collection (kube's pkg/controller/podgc, the orphaned-pod part): a pod bound to
// a Node object that no longer exists has no agent left to confirm its termination, so it would
// stay Terminating forever and block whatever waits for it (a StatefulSet's replacement, a
// namespace's deletion). It is force-deleted (grace period 0). The node's absence is confirmed
// with a live GET first: a node just created may not have reached our cache yet.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller } from '../client/controller.js';
import { objectKey } from '../client/object-key.js';
import type { ControllerFactory } from './context.js';

export const podGarbageCollector: ControllerFactory = (ctx) => {
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  pods.ensureIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));

  const nodeExists = async (name: string): Promise<boolean> => {
    if (nodes.get(name)) return true;
    try {
      await ctx.client.resource<Node>(resource.nodes).get(name);
      return true;
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return false;
      throw e;
    }
  };

  const controller = new Controller(
    { name: 'pod-garbage-collector', clock: ctx.clock },
    {
      async reconcile(key) {
        const pod = pods.get(key);
        const nodeName = pod?.spec?.nodeName;
        if (!pod || !nodeName || (await nodeExists(nodeName))) return;
        ctx.log(`pod-garbage-collector: force-deleting pod ${key}: node ${nodeName} no longer exists`);
        try {
          await ctx.client.resource<Pod>(resource.pods, pod.metadata?.namespace).delete(pod.metadata!.name!, {
            gracePeriodSeconds: 0,
            preconditions: { uid: pod.metadata?.uid },
          });
        } catch (e) {
          if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
        }
      },
    },
  );
  controller.watch(pods, (p) => (p.spec?.nodeName ? [objectKey(p)] : []));
  nodes.onDelete((node) => {
    for (const p of pods.byIndex('nodeName', node.metadata!.name!)) controller.enqueue(objectKey(p));
  });
  return controller;
};
