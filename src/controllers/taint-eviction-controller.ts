// Taint-based eviction (kube's taint-eviction-controller): a pod on a node with a NoExecute
// taint it does not tolerate is deleted at once; one it tolerates for tolerationSeconds is
// deleted when that time has passed since the taint was added (taint-eviction.ts). This is
// what moves pods off a failed node: the node lifecycle controller adds
// node.kubernetes.io/unreachable:NoExecute, and every pod tolerates that for the profile's
// default seconds (see apiserver/admission.ts).
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { evictionTime } from './taint-eviction.js';

export const taintEvictionController: ControllerFactory = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  pods.ensureIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const controller = new Controller(
    { name: 'taint-eviction-controller', clock: ctx.clock },
    new TaintEvictionController(ctx, nodes, pods),
  );
  controller.watch(pods);
  // A node's taints changing re-examines every pod on it.
  controller.watch(nodes, (node) =>
    pods.byIndex('nodeName', node.metadata?.name ?? '').map((p) => objectKey(p)),
  );
  return controller;
};

export class TaintEvictionController implements Reconciler {
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodes: Informer<Node>,
    private readonly pods: Informer<Pod>,
  ) {
    this.recorder = ctx.recorder('taint-eviction-controller');
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const pod = this.pods.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || pod.metadata?.deletionTimestamp) return undefined;
    const node = this.nodes.get(nodeName);
    if (!node) return undefined;
    const now = this.ctx.clock.now();
    const due = evictionTime(pod, node.spec?.taints ?? [], now);
    if (due === undefined) return undefined;
    if (due > now) return { requeueAfterMs: due - now };
    await this.evict(key, pod);
    return undefined;
  }

  private async evict(key: string, pod: Pod): Promise<void> {
    void this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      await this.ctx.client
        .resource<Pod>(resource.pods, pod.metadata?.namespace)
        .delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
    } catch (e) {
      if (!(e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
    }
  }
}
