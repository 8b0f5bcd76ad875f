// A node's health as the node lifecycle controller judges it, pure; time is passed in: the
// last sign of life (Lease renewal or Ready heartbeat), whether the node has gone silent past
// the grace period, and the unreachable / not-ready taints its Ready condition calls for.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { nodeReadyCondition } from '../api/node-state.js';
import type { Profile } from '../api/profiles.js';
import { rfc3339 } from '../api/time.js';

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

/** What the node lifecycle controller makes of a node on this pass. */
export type NodeHealth =
  /** Silent past the grace period: its conditions become Unknown (the taints follow on the next pass). */
  | { type: 'silent'; conditions: NodeCondition[] }
  /** `taints` when they must change; `recheckAfterMs` for a Ready node, just after it would become overdue. */
  | { type: 'heard'; taints?: Taint[]; recheckAfterMs?: number };

/** kube's monitorNodeHealth for one node, from its Lease and Ready condition. */
export function decideNodeHealth(
  node: Node,
  lease: Lease | undefined,
  nowMs: number,
  profile: Pick<Profile, 'nodeMonitorGracePeriodMs' | 'nodeMonitorPeriodMs'>,
): NodeHealth {
  const grace = profile.nodeMonitorGracePeriodMs;
  const silentFor = nowMs - lastHeartbeat(node, lease);
  const ready = nodeReadyCondition(node);
  if (silentFor > grace && ready?.status !== 'Unknown') {
    const conditions = (node.status?.conditions ?? []).map((c) => ({
      ...c,
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastTransitionTime: rfc3339(nowMs),
    }));
    return { type: 'silent', conditions };
  }
  const current = node.spec?.taints ?? [];
  const taints = reconcileTaints(current, wantedTaintKeys(ready), nowMs);
  return {
    type: 'heard',
    ...(sameTaints(current, taints) ? {} : { taints }),
    ...(ready?.status === 'True'
      ? { recheckAfterMs: Math.max(grace - silentFor, 0) + profile.nodeMonitorPeriodMs }
      : {}),
  };
}
