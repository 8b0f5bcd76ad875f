// A Deployment's status and conditions, after kube's deployment/util and sync.go: counters
// summed over its ReplicaSets, the Available condition (minimum availability), and the
// Progressing condition that times a rollout against progressDeadlineSeconds. Pure functions;
// time is passed in.
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from 'kubernetes-types/apps/v1.js';
import { rfc3339 } from '../api/time.js';
import {
  desiredReplicas,
  maxUnavailable,
  specReplicas,
  sumSpecReplicas,
  sumStatus,
} from './deployment-replicas.js';

export type ProgressingReason =
  | 'NewReplicaSetCreated'
  | 'FoundNewReplicaSet'
  | 'ReplicaSetUpdated'
  | 'NewReplicaSetAvailable'
  | 'ProgressDeadlineExceeded'
  | 'DeploymentPaused'
  | 'DeploymentResumed';

export function getCondition(
  status: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  nowMs: number,
): DeploymentCondition {
  const at = rfc3339(nowMs);
  return { type, status, reason, message, lastUpdateTime: at, lastTransitionTime: at };
}

/**
 * kube's SetDeploymentCondition: a condition with the same status and reason is left alone;
 * a new reason with the same status keeps the old transition time. Mutates `status`.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status)
    condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), condition];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

/** The status counters and Available condition (kube's calculateStatus). */
export function calculateStatus(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  nowMs: number,
): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpecReplicas(allRSs) - available),
    collisionCount: d.status?.collisionCount,
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (available >= desiredReplicas(d) - maxUnavailable(d))
    setCondition(
      status,
      newCondition(
        'Available',
        'True',
        'MinimumReplicasAvailable',
        'Deployment has minimum availability.',
        nowMs,
      ),
    );
  else
    setCondition(
      status,
      newCondition(
        'Available',
        'False',
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
        nowMs,
      ),
    );
  return status;
}

/** Drops zero counters and empty lists, as kube's omitempty does on the wire. */
export function compactStatus(status: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as DeploymentStatus;
}

/** All pods updated, available, and no old ones left, for the current generation (kube's DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = desiredReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Something moved forward since the last status (kube's DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** progressDeadlineSeconds unset means "never time out" (kube: math.MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

/** When the rollout runs out of time: the last progress plus the deadline, if it is being timed. */
export function progressDeadlineAt(d: Deployment, s: DeploymentStatus): number | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const cond = getCondition(s, 'Progressing');
  if (!cond || cond.reason === 'NewReplicaSetAvailable' || cond.reason === 'ProgressDeadlineExceeded')
    return undefined;
  // A paused rollout is not timed (kube removes the deadline while paused).
  if (cond.reason === 'DeploymentPaused') return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return Number.isFinite(from) ? from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 : undefined;
}

/** kube's DeploymentTimedOut. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (getCondition(s, 'Progressing')?.reason === 'ProgressDeadlineExceeded') return true;
  const at = progressDeadlineAt(d, s);
  return at !== undefined && at < nowMs;
}

/**
 * Updates the Progressing condition for a rollout step (kube's syncRolloutStatus): complete
 * → NewReplicaSetAvailable; progress → ReplicaSetUpdated with a fresh lastUpdateTime (which
 * restarts the deadline); no progress past the deadline → ProgressDeadlineExceeded (False).
 * Also mirrors a ReplicaFailure of any ReplicaSet. Mutates and returns `status`.
 */
export function rolloutStatus(
  d: Deployment,
  status: DeploymentStatus,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  nowMs: number,
): DeploymentStatus {
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata?.name;
    if (deploymentComplete(d, status)) {
      setCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`,
          nowMs,
        ),
      );
    } else if (deploymentProgressing(d, status)) {
      const cond = newCondition(
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        rsName ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.',
        nowMs,
      );
      if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, nowMs)) {
      setCondition(
        status,
        newCondition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rsName}" has timed out progressing.`,
          nowMs,
        ),
      );
    }
  }
  const failure = allRSs
    .flatMap((rs) => rs.status?.conditions ?? [])
    .find((c) => c.type === 'ReplicaFailure');
  if (failure)
    setCondition(status, {
      type: 'ReplicaFailure',
      status: failure.status,
      reason: failure.reason,
      message: failure.message,
      lastUpdateTime: failure.lastTransitionTime,
      lastTransitionTime: failure.lastTransitionTime,
    });
  else removeCondition(status, 'ReplicaFailure');
  return status;
}

/** The active ReplicaSets (spec.replicas > 0), with the new one first when it is active. */
export function activeReplicaSets(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet[] {
  return [newRS, ...oldRSs].filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}
