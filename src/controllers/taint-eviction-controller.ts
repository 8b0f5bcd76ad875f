// Taint-based eviction (kube's taint-eviction-controller): a pod on a node with a NoExecute
// taint it does not tolerate is deleted at once; one it tolerates for tolerationSeconds is
// deleted when that time has passed since the taint was added. This is what moves pods off a
// failed node: the node lifecycle controller adds node.kubernetes.io/unreachable:NoExecute,
// and every pod tolerates that for the profile's default seconds (see apiserver/admission.ts).
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { findToleration } from '../api/tolerations.js';
import { Controller } from '../client/controller.js';
import { objectKey } from '../client/object-key.js';
import type { ControllerFactory } from './context.js';

/**
 * When the pod must go: `now` for an untolerated taint, the earliest tolerationSeconds expiry
 * otherwise, or undefined if every NoExecute taint is tolerated forever (or there is none).
 */
export function evictionTime(pod: Pod, taints: readonly Taint[], now: number): number | undefined {
  let due: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const toleration = findToleration(pod.spec?.tolerations, taint);
    if (!toleration) return now;
    if (toleration.tolerationSeconds === undefined || toleration.tolerationSeconds === null) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    const at = added + Math.max(toleration.tolerationSeconds, 0) * 1000;
    due = due === undefined ? at : Math.min(due, at);
  }
  return due;
}

export const taintEvictionController: ControllerFactory = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  pods.ensureIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const recorder = ctx.recorder('taint-eviction-controller');

  const controller = new Controller(
    { name: 'taint-eviction-controller', clock: ctx.clock },
    {
      async reconcile(key) {
        const pod = pods.get(key);
        const nodeName = pod?.spec?.nodeName;
        if (!pod || !nodeName || pod.metadata?.deletionTimestamp) return;
        const node = nodes.get(nodeName);
        if (!node) return;
        const now = ctx.clock.now();
        const due = evictionTime(pod, node.spec?.taints ?? [], now);
        if (due === undefined) return;
        if (due > now) return { requeueAfterMs: due - now };
        void recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
        try {
          await ctx.client
            .resource<Pod>(resource.pods, pod.metadata?.namespace)
            .delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
        } catch (e) {
          if (!(e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
        }
      },
    },
  );
  controller.watch(pods);
  // A node's taints changing re-examines every pod on it.
  controller.watch(nodes, (node) =>
    pods.byIndex('nodeName', node.metadata?.name ?? '').map((p) => objectKey(p)),
  );
  return controller;
};
