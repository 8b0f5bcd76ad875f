// A ReplicaSet's replicas, pure; time is passed in: how many pods to create or which to
// delete (kube's manageReplicas, at most burstReplicas at once), and the status its active
// pods add up to, with kube's ReplicaFailure condition.
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../api/pod-state.js';
import { rfc3339 } from '../api/time.js';
import { compareActivePods } from './owned-pods.js';

/** kube's BurstReplicas: at most this many creates or deletes per sync. */
const burstReplicas = 500;

/** Why the last sync failed to create or delete pods, for the ReplicaFailure condition. */
export interface ReplicaFailure {
  reason: 'FailedCreate' | 'FailedDelete';
  error: unknown;
}

/** The pods to delete to go from `active.length` to `replicas`: least valuable first. */
export function podsToDelete(active: readonly Pod[], count: number): Pod[] {
  return [...active].sort(compareActivePods).slice(0, count);
}

/** kube's manageReplicas: create the missing pods or delete the least valuable extra ones, a burst at a time. */
export function decideReplicas(
  rs: ReplicaSet,
  active: readonly Pod[],
): { type: 'create'; count: number } | { type: 'delete'; pods: Pod[] } | undefined {
  const diff = active.length - (rs.spec?.replicas ?? 1);
  if (diff < 0) return { type: 'create', count: Math.min(-diff, burstReplicas) };
  if (diff > 0) return { type: 'delete', pods: podsToDelete(active, Math.min(diff, burstReplicas)) };
  return undefined;
}

/** status.* counts of a ReplicaSet from its active pods (kube's calculateStatus). */
function replicaSetCounts(
  rs: ReplicaSet,
  active: readonly Pod[],
  nowMs: number,
): Pick<ReplicaSetStatus, 'replicas' | 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas'> {
  const templateLabels = selectorFromLabelSelector({
    matchLabels: rs.spec?.template?.metadata?.labels ?? {},
  });
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  return {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => templateLabels.matches(p.metadata?.labels ?? {})).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReadySeconds, nowMs)).length,
  };
}

/**
 * The status to write (conditions absent when there are none), or undefined when the
 * ReplicaSet shows it already.
 */
export function replicaSetStatusUpdate(
  rs: ReplicaSet,
  active: readonly Pod[],
  nowMs: number,
  failure: ReplicaFailure | undefined,
): ReplicaSetStatus | undefined {
  const status: ReplicaSetStatus = {
    ...replicaSetCounts(rs, active, nowMs),
    observedGeneration: rs.metadata?.generation,
    conditions: replicaFailureConditions(rs.status?.conditions, failure, nowMs),
  };
  if (!status.conditions?.length) delete status.conditions;
  return JSON.stringify(status) === JSON.stringify(normalised(rs.status)) ? undefined : status;
}

/** How long until the next ready pod becomes available: nothing else says when that happens. */
export function msUntilNextAvailable(
  rs: ReplicaSet,
  active: readonly Pod[],
  nowMs: number,
): number | undefined {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const waits = active.map((p) => msUntilAvailable(p, minReady, nowMs)).filter((ms) => ms !== undefined);
  return waits.length ? Math.min(...waits) : undefined;
}

function normalised(status: ReplicaSetStatus | undefined): ReplicaSetStatus {
  const s: ReplicaSetStatus = {
    replicas: status?.replicas ?? 0,
    fullyLabeledReplicas: status?.fullyLabeledReplicas ?? 0,
    readyReplicas: status?.readyReplicas ?? 0,
    availableReplicas: status?.availableReplicas ?? 0,
    observedGeneration: status?.observedGeneration,
    conditions: status?.conditions,
  };
  if (!s.conditions?.length) delete s.conditions;
  return s;
}

/**
 * ReplicaFailure: set (once, keeping its first message) when creating or deleting pods fails,
 * removed when a sync succeeds, as kube does.
 */
function replicaFailureConditions(
  current: ReplicaSetCondition[] | undefined,
  failure: ReplicaFailure | undefined,
  nowMs: number,
): ReplicaSetCondition[] {
  const others = (current ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const existing = current?.find((c) => c.type === 'ReplicaFailure');
  if (!failure) return others;
  if (existing) return current ?? [];
  return [
    ...others,
    {
      type: 'ReplicaFailure',
      status: 'True',
      reason: failure.reason,
      message: (failure.error as Error)?.message ?? String(failure.error),
      lastTransitionTime: rfc3339(nowMs),
    },
  ];
}
