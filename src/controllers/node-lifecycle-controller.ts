// Node lifecycle (kube's node-lifecycle-controller): decides from Lease heartbeats whether a
// node is alive. A node whose agent has not renewed its Lease for the profile's grace period
// gets its conditions set to Unknown ("Kubelet stopped posting node status.") and the
// node.kubernetes.io/unreachable taints; a node reporting Ready=False gets the not-ready
// taints; a healthy node has neither. The NoExecute taints are what evicts pods (see
// taint-eviction-controller.ts); the NoSchedule ones keep the scheduler away.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { nodeReadyCondition } from '../api/node-state.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import type { ControllerFactory } from './context.js';

export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
const managedKeys = new Set([unreachableTaintKey, notReadyTaintKey]);

function parseTime(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The last sign of life: the Lease renewal or the Ready heartbeat, whichever is later. */
export function lastHeartbeat(node: Node, lease: Lease | undefined): number {
  const times = [
    parseTime(lease?.spec?.renewTime),
    parseTime(nodeReadyCondition(node)?.lastHeartbeatTime),
    parseTime(node.metadata?.creationTimestamp),
  ].filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : 0;
}

/** Which lifecycle taints a node should carry given its Ready condition. */
export function wantedTaintKeys(ready: NodeCondition | undefined): string[] {
  if (!ready || ready.status === 'Unknown') return ready ? [unreachableTaintKey] : [];
  return ready.status === 'False' ? [notReadyTaintKey] : [];
}

/** The node's taints with the lifecycle ones replaced by `wanted` (keeping timeAdded of kept ones). */
export function reconcileTaints(current: Taint[], wanted: string[], now: number): Taint[] {
  const others = current.filter((t) => !managedKeys.has(t.key));
  const kept: Taint[] = [];
  for (const key of wanted) {
    for (const effect of ['NoSchedule', 'NoExecute'] as const) {
      kept.push(
        current.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: rfc3339(now) },
      );
    }
  }
  return [...others, ...kept];
}

function sameTaints(a: Taint[], b: Taint[]): boolean {
  const key = (t: Taint) => `${t.key}|${t.value ?? ''}|${t.effect}`;
  return a.length === b.length && a.map(key).sort().join() === b.map(key).sort().join();
}

export const nodeLifecycleController: ControllerFactory = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const leases = ctx.informers.informerFor<Lease>(resource.leases, { namespace: 'kube-node-lease' });
  const recorder = ctx.recorder('node-controller');
  const grace = ctx.profile.nodeMonitorGracePeriodMs;

  const controller = new Controller(
    { name: 'node-lifecycle-controller', clock: ctx.clock },
    {
      async reconcile(name) {
        const node = nodes.get(name);
        if (!node) return;
        const now = ctx.clock.now();
        const silentFor = now - lastHeartbeat(node, leases.get(`kube-node-lease/${name}`));
        const ready = nodeReadyCondition(node);
        const client = ctx.client.resource<Node>(resource.nodes);

        if (silentFor > grace && ready?.status !== 'Unknown') {
          const conditions = (node.status?.conditions ?? []).map((c) => ({
            ...c,
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastTransitionTime: rfc3339(now),
          }));
          await client.patch(name, { status: { conditions } }, 'strategic', { subresource: 'status' });
          void recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
          return; // the status update comes back through the informer and brings the taints
        }

        const current = node.spec?.taints ?? [];
        const taints = reconcileTaints(current, wantedTaintKeys(ready), now);
        if (!sameTaints(current, taints)) {
          try {
            // The resourceVersion makes this a compare-and-swap: taints decided from a stale
            // view of the node must not overwrite a newer one.
            await client.patch(
              name,
              { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } },
              'merge',
            );
          } catch (e) {
            // A concurrent node update: the informer delivers it and we look again.
            if (!(e instanceof StatusError && e.reason === 'Conflict')) throw e;
          }
        }
        // Look again just after the node would become overdue.
        return ready?.status === 'True'
          ? { requeueAfterMs: Math.max(grace - silentFor, 0) + ctx.profile.nodeMonitorPeriodMs }
          : undefined;
      },
    },
  );
  controller.watch(nodes);
  controller.watch(leases, (lease) => [lease.metadata?.name]);
  return controller;
};
