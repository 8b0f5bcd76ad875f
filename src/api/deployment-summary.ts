// A Deployment's rollout as a person watches it (the TUI's overview, the dashboard's rollout
// panel): desired against updated / ready / available, and its ReplicaSets split into the new
// one (the current template, found the way the Deployment controller finds it) and the old
// ones still holding pods, with revisions. Pure: objects in, summaries out.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { findNewReplicaSet, revisionOf } from './deployment-revisions.js';
import { controllerRefOf } from './owner-references.js';

export interface ReplicaSetShare {
  name: string;
  revision: number;
  replicas: number;
  ready: number;
}

/** complete: all updated and available; progressing: a rollout under way; stalled: past its progress deadline. */
export type RolloutPhase = 'complete' | 'progressing' | 'paused' | 'stalled';

export interface DeploymentSummary {
  key: string;
  name: string;
  namespace: string;
  deployment: Deployment;
  revision: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  phase: RolloutPhase;
  images: string[];
  newReplicaSet?: ReplicaSetShare;
  /** Old ReplicaSets that still have pods, newest revision first. */
  oldReplicaSets: ReplicaSetShare[];
}

function share(rs: ReplicaSet): ReplicaSetShare {
  return {
    name: rs.metadata?.name ?? '',
    revision: revisionOf(rs),
    replicas: rs.status?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
  };
}

export function rolloutPhase(d: Deployment): RolloutPhase {
  if (d.spec?.paused) return 'paused';
  const s = d.status ?? {};
  if (s.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded'))
    return 'stalled';
  const desired = d.spec?.replicas ?? 1;
  const settled =
    (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= desired &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
  return settled ? 'complete' : 'progressing';
}

export function summarizeDeployment(d: Deployment, replicaSets: readonly ReplicaSet[]): DeploymentSummary {
  const owned = replicaSets.filter((rs) => controllerRefOf(rs)?.uid === d.metadata?.uid);
  const newRS = findNewReplicaSet(d, owned);
  const old = owned
    .filter((rs) => rs !== newRS && (rs.status?.replicas ?? 0) > 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a))
    .map(share);
  const s = d.status ?? {};
  return {
    key: `${d.metadata?.namespace}/${d.metadata?.name}`,
    name: d.metadata?.name ?? '',
    namespace: d.metadata?.namespace ?? '',
    deployment: d,
    revision: revisionOf(d),
    desired: d.spec?.replicas ?? 1,
    updated: s.updatedReplicas ?? 0,
    ready: s.readyReplicas ?? 0,
    available: s.availableReplicas ?? 0,
    phase: rolloutPhase(d),
    images: (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
    newReplicaSet: newRS && share(newRS),
    oldReplicaSets: old,
  };
}

/** Deployments in `namespace` (all when undefined), each with the ReplicaSets it owns, by namespace and name. */
export function summarizeDeploymentList(
  deployments: readonly Deployment[],
  replicaSets: readonly ReplicaSet[],
  namespace?: string,
): DeploymentSummary[] {
  const rsByNamespace = new Map<string, ReplicaSet[]>();
  for (const rs of replicaSets) {
    const ns = rs.metadata?.namespace ?? '';
    const list = rsByNamespace.get(ns);
    if (list) list.push(rs);
    else rsByNamespace.set(ns, [rs]);
  }
  return deployments
    .filter((d) => namespace === undefined || d.metadata?.namespace === namespace)
    .map((d) => summarizeDeployment(d, rsByNamespace.get(d.metadata?.namespace ?? '') ?? []))
    .sort((a, b) => a.key.localeCompare(b.key));
}
