// A terminating namespace's progress, pure: what its content deletion left behind (objects
// by resource, the finalizers holding them, failed deletions) and kube's Namespace deletion
// conditions reporting it.
import type { NamespaceCondition } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/kube-object.js';

export const namespaceFinalizer = 'kubernetes';

export interface RemainingContent {
  /** `pods.` / `deployments.apps` -> how many are left. */
  counts: Map<string, number>;
  /** finalizer -> how many remaining objects carry it. */
  finalizers: Map<string, number>;
  /** Resources whose deletecollection failed -> the error. */
  failures: Map<string, string>;
}

/** What one resource's deletion left behind. */
export interface ResourceLeftovers {
  /** `pods.` / `deployments.apps`. */
  resource: string;
  items: readonly KubeObject[];
  /** Why deletecollection failed, if it did. */
  failure?: string;
}

/** The remaining content of a namespace: counts by resource, finalizers in the way, failures. */
export function remainingContent(leftovers: readonly ResourceLeftovers[]): RemainingContent {
  const remaining: RemainingContent = { counts: new Map(), finalizers: new Map(), failures: new Map() };
  for (const { resource, items, failure } of leftovers) {
    if (failure !== undefined) remaining.failures.set(resource, `${resource}: ${failure}`);
    if (items.length > 0) remaining.counts.set(resource, items.length);
    for (const item of items) {
      for (const f of item.metadata?.finalizers ?? [])
        remaining.finalizers.set(f, (remaining.finalizers.get(f) ?? 0) + 1);
    }
  }
  return remaining;
}

/**
 * kube's deletion conditions, in its order and words: each reports either its happy reason or
 * what is still in the way.
 */
export function namespaceConditions(remaining: RemainingContent, now: string): NamespaceCondition[] {
  const condition = (
    type: string,
    failing: boolean,
    reason: string,
    message: string,
  ): NamespaceCondition => ({
    type,
    status: failing ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: now,
  });
  const sortedEntries = (m: Map<string, number | string>) =>
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  const failures = sortedEntries(remaining.failures);
  const counts = sortedEntries(remaining.counts);
  const finalizers = sortedEntries(remaining.finalizers);
  return [
    condition(
      'NamespaceDeletionDiscoveryFailure',
      false,
      'ResourcesDiscovered',
      'All resources successfully discovered',
    ),
    condition(
      'NamespaceDeletionGroupVersionParsingFailure',
      false,
      'ParsedGroupVersions',
      'All legacy kube types successfully parsed',
    ),
    failures.length > 0
      ? condition(
          'NamespaceDeletionContentFailure',
          true,
          'ContentDeletionFailed',
          `Failed to delete all resource types, ${failures.length} remaining: ${failures.map(([, e]) => e).join(', ')}`,
        )
      : condition(
          'NamespaceDeletionContentFailure',
          false,
          'ContentDeleted',
          'All content successfully deleted, may be waiting on finalization',
        ),
    counts.length > 0
      ? condition(
          'NamespaceContentRemaining',
          true,
          'SomeResourcesRemain',
          `Some resources are remaining: ${counts.map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
        )
      : condition('NamespaceContentRemaining', false, 'ContentRemoved', 'All content successfully removed'),
    finalizers.length > 0
      ? condition(
          'NamespaceFinalizersRemaining',
          true,
          'SomeFinalizersRemain',
          `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}`,
        )
      : condition(
          'NamespaceFinalizersRemaining',
          false,
          'ContentHasNoFinalizers',
          'All content-preserving finalizers finished',
        ),
  ];
}

/**
 * The conditions to write, or undefined when they say what `old` says. A condition keeps its
 * transition time while its status stays the same.
 */
export function namespaceConditionsUpdate(
  old: readonly NamespaceCondition[],
  remaining: RemainingContent,
  now: string,
): NamespaceCondition[] | undefined {
  const next = namespaceConditions(remaining, now).map((c) => {
    const prev = old.find((o) => o.type === c.type);
    return prev && prev.status === c.status ? { ...c, lastTransitionTime: prev.lastTransitionTime } : c;
  });
  const same =
    old.length === next.length &&
    old.every(
      (c, i) => c.type === next[i]?.type && c.status === next[i]?.status && c.message === next[i]?.message,
    );
  return same ? undefined : next;
}
