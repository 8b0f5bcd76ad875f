// The replica arithmetic of a Deployment rollout, after kube's deployment/util: how far a
// rolling update may surge above and dip below the desired count, how many pods the new
// ReplicaSet may have next, and how a scaling event is spread proportionally over the
// ReplicaSets of a rollout in flight. Pure functions over spec and status numbers.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';

/** `deployment.kubernetes.io/desired-replicas`: the Deployment's replicas when the RS was last scaled. */
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
/** `deployment.kubernetes.io/max-replicas`: desired replicas + maxSurge at that time. */
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';

/**
 * kube's intstr.GetScaledValueFromIntOrPercent: an integer as is, or a percentage of `total`,
 * rounded up or down. Throws on a malformed percentage (validation rejects those first).
 */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)}`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * kube's ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both come
 * out 0 one pod may be unavailable, or a rollout could never make progress.
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

/** Pods the rollout may run above the desired count (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d)).surge;
}

/** Pods that may be unavailable during the rollout (0 for Recreate; never more than desired). */
export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return Math.min(replicas, resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable);
}

export const specReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;

export function sumSpecReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + specReplicas(rs), 0);
}

export function sumStatus(
  rss: readonly (ReplicaSet | undefined)[],
  field: 'replicas' | 'readyReplicas' | 'availableReplicas',
): number {
  return rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

/**
 * How many replicas the new ReplicaSet should have now (kube's NewRSNewReplicas): for a rolling
 * update, grow it as far as maxSurge allows over all ReplicaSets' spec.replicas, never past the
 * desired count; for Recreate, the desired count at once.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = sumSpecReplicas(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/**
 * How many old pods may go now (kube's reconcileOldReplicaSets, first half): everything above
 * the minimum available count, not counting new pods that are not yet available (they may
 * never become available; scaling old pods down for them could take the service down).
 */
export function maxScaledDown(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): number {
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
  return sumSpecReplicas(allRSs) - minAvailable - newUnavailable;
}

function annotatedInt(rs: ReplicaSet, annotation: string): number | undefined {
  const v = rs.metadata?.annotations?.[annotation];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The Deployment's replicas recorded on the RS when it was last scaled, if any. */
export function desiredReplicasOf(rs: ReplicaSet): number | undefined {
  return annotatedInt(rs, desiredReplicasAnnotation);
}

/**
 * kube's getReplicaSetFraction: the change in this RS's size that keeps its share of the
 * rollout when the Deployment is resized in the middle of it.
 */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (desiredReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
  // Without the annotation, assume the RS was sized for the Deployment's current status.
  const annotated = annotatedInt(rs, maxReplicasAnnotation) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const newSize = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAwayFromZero(newSize) - specReplicas(rs);
}

/** Go's math.Round, which rounds halves away from zero (JavaScript's rounds them up). */
function roundHalfAwayFromZero(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * The new sizes of active ReplicaSets after the Deployment was resized mid-rollout (kube's
 * proportional scaling): every RS keeps its share of the pods, and what rounding leaves over
 * goes to the largest. `activeRSs` must be ordered as kube orders them: by size, newer first
 * when adding, older first when removing (see sortForProportionalScaling).
 */
export function proportionalSizes(d: Deployment, activeRSs: readonly ReplicaSet[]): Map<string, number> {
  const allowedSize = desiredReplicas(d) > 0 ? desiredReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowedSize - sumSpecReplicas(activeRSs);
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of activeRSs) {
    let proportion = 0;
    if (toAdd !== 0 && toAdd !== added && specReplicas(rs) !== 0) {
      const fraction = replicaSetFraction(rs, d);
      const allowed = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }
    sizes.set(rs.metadata!.name!, specReplicas(rs) + proportion);
    added += proportion;
  }
  const first = activeRSs[0];
  if (first && toAdd !== 0) {
    const name = first.metadata!.name!;
    sizes.set(name, Math.max(0, sizes.get(name)! + toAdd - added));
  }
  return sizes;
}

function creationMs(rs: ReplicaSet): number {
  return rs.metadata?.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0;
}

/** Oldest first, names breaking ties (kube's ReplicaSetsByCreationTimestamp). */
export function compareOldestFirst(a: ReplicaSet, b: ReplicaSet): number {
  return creationMs(a) - creationMs(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** kube's ReplicaSetsBySizeNewer (scaling up) or ReplicaSetsBySizeOlder (scaling down). */
export function sortForProportionalScaling(rss: readonly ReplicaSet[], scalingUp: boolean): ReplicaSet[] {
  return [...rss].sort((a, b) => {
    const bySize = specReplicas(b) - specReplicas(a);
    if (bySize !== 0) return bySize;
    return scalingUp ? compareOldestFirst(b, a) : compareOldestFirst(a, b);
  });
}
