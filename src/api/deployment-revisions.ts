// How a Deployment names and numbers its ReplicaSets, after kube's deployment/util and
// controller.ComputeHash: a ReplicaSet per distinct pod template, named `<deployment>-<hash>`
// and labelled `pod-template-hash=<hash>`, numbered by `deployment.kubernetes.io/revision`.
// Rolling back to an old template reuses its ReplicaSet and gives it the next revision, so
// revisions always count up (kubectl's `rollout history` relies on this). Pure functions;
// `kubelab rollout` uses them too, so the CLI and the controller agree on what a revision is.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

export const podTemplateHashLabel = 'pod-template-hash';
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const changeCauseAnnotation = 'kubernetes.io/change-cause';
const maxRevisionHistoryChars = 2000;

/**
 * Deployment annotations that stay on the Deployment: kubectl's own bookkeeping and the
 * controller's (kube's annotationsToSkip). Everything else, e.g. kubernetes.io/change-cause,
 * is copied to the new ReplicaSet so history can show it.
 */
export const annotationsNotCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** JSON with object keys sorted, so equal values always serialise the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** kube's rand.SafeEncodeString alphabet: no vowels (no words) and no look-alikes (0/o, 1/l). */
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The `pod-template-hash` of a template: FNV-1a (32 bit) over its canonical JSON and the
 * collision count, safe-encoded as kube does. Identical templates always hash the same; the
 * collision count changes the hash when a name is taken by a ReplicaSet with another template.
 */
export function computeTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let text = canonicalJson(template ?? {});
  if (collisionCount !== undefined) text += `#${collisionCount}`;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((c) => safeAlphabet[c.charCodeAt(0) % safeAlphabet.length]).join('');
}

/** A template with the pod-template-hash label removed (the Deployment's own form of it). */
export function withoutHashLabel(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[podTemplateHashLabel];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

/** kube's EqualIgnoreHash: the same template once the pod-template-hash label is ignored. */
export function equalIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}

/** The revision number on a ReplicaSet or Deployment; 0 when absent or malformed. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const v = obj?.metadata?.annotations?.[revisionAnnotation];
  return v && /^\d+$/.test(v) ? Number(v) : 0;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * The ReplicaSet running the Deployment's current template (kube's FindNewReplicaSet): the
 * oldest one whose template equals it, since a cache lag can briefly show two.
 */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  const candidates = rss.filter((rs) => equalIgnoringHash(rs.spec?.template, d.spec?.template));
  return candidates.sort(
    (a, b) =>
      Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? '') ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  )[0];
}

/**
 * Brings a ReplicaSet's annotations up to date for the Deployment (kube's
 * SetNewReplicaSetAnnotations): copies the Deployment's user annotations and, if `newRevision`
 * is higher than its own, takes it and records the old number in revision-history.
 * Mutates `rs`; returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number): boolean {
  rs.metadata ??= {};
  const annotations = { ...(rs.metadata.annotations ?? {}) };
  const before = canonicalJson(annotations);
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {}))
    if (!annotationsNotCopied.has(k)) annotations[k] = v;
  const oldRevision = annotations[revisionAnnotation];
  const oldNumber = oldRevision && /^\d+$/.test(oldRevision) ? Number(oldRevision) : 0;
  if (oldNumber < newRevision) {
    annotations[revisionAnnotation] = String(newRevision);
    if (oldRevision) {
      const history = annotations[revisionHistoryAnnotation];
      let next = history ? `${history},${oldRevision}` : oldRevision;
      // Keep the newest entries when the history outgrows kube's limit.
      while (next.length > maxRevisionHistoryChars && next.includes(','))
        next = next.slice(next.indexOf(',') + 1);
      annotations[revisionHistoryAnnotation] = next;
    }
  }
  rs.metadata.annotations = annotations;
  return canonicalJson(annotations) !== before;
}

/**
 * The old ReplicaSets revisionHistoryLimit allows to delete (kube's cleanupDeployment): the
 * lowest revisions beyond the limit that are fully scaled down and whose status is current.
 */
export function replicaSetsToCleanUp(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const byRevision = [...alive].sort(
    (a, b) => revisionOf(a) - revisionOf(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  return byRevision
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        (rs.spec?.replicas ?? 0) === 0 &&
        (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}

export type RollbackPlan =
  | { kind: 'patch'; revision: number; patch: object[] }
  | { kind: 'skip'; revision: number };

/**
 * What `rollout undo` writes (kubectl's DeploymentRollbacker), for the CLI and the TUI alike:
 * the target ReplicaSet's template copied back into the Deployment, with kubectl's
 * bookkeeping annotations kept and the rest taken from the ReplicaSet, guarded by the
 * Deployment's resourceVersion. `toRevision` 0 means the previous revision. `owned` are the
 * ReplicaSets the Deployment controls. Throws kubectl's errors when there is nothing to roll
 * back to; 'skip' when the template already is that revision's.
 */
export function rollbackPlan(d: Deployment, owned: readonly ReplicaSet[], toRevision: number): RollbackPlan {
  const name = d.metadata?.name;
  if (d.spec?.paused)
    throw new Error(
      `you cannot rollback a paused deployment; resume it first with 'kubelab rollout resume deployment/${name}' and try again`,
    );
  const rss = owned.filter((rs) => revisionOf(rs) > 0).sort((a, b) => revisionOf(a) - revisionOf(b));
  let target: ReplicaSet | undefined;
  if (toRevision === 0) {
    // The previous revision: the highest one below the current (highest) one.
    if (rss.length < 2) throw new Error(`no rollout history found for deployment "${name}"`);
    target = rss[rss.length - 2];
  } else {
    target = rss.find((rs) => revisionOf(rs) === toRevision);
    if (!target) throw new Error(`unable to find specified revision ${toRevision} in history`);
  }
  const revision = revisionOf(target);
  if (equalIgnoringHash(target!.spec?.template, d.spec?.template)) return { kind: 'skip', revision };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {}))
    if (annotationsNotCopied.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(target!.metadata?.annotations ?? {}))
    if (!annotationsNotCopied.has(k)) annotations[k] = v;
  return {
    kind: 'patch',
    revision,
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: d.metadata?.resourceVersion },
      { op: 'replace', path: '/spec/template', value: withoutHashLabel(target!.spec?.template) },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}
