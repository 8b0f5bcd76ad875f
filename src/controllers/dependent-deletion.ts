// What the garbage collector does with one dependent, pure: given what became of each of its
// owners (kube's attemptToDeleteItem) — present, gone (dangling), deleting its dependents in
// the foreground (waiting for us), or of a kind kubelab cannot look up — keep it and forget
// the owners that no longer hold it, or delete it with the propagation its finalizers ask for.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import type { DeleteOptions } from '../client/rest-client.js';

export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

/** An owner as looked up: the object, undefined when it is really gone, or a kind we cannot look up. */
export type OwnerLookup = KubeObject | undefined | 'unresolvable';

export type DependentAction =
  | { type: 'keep' }
  /** Still owned: drop only the references to owners that are gone or deleting their dependents. */
  | { type: 'drop-owners'; uids: Set<string> }
  | { type: 'delete'; propagationPolicy: NonNullable<DeleteOptions['propagationPolicy']> };

export function isDeletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(foregroundFinalizer);
}

/**
 * kube's attemptToDeleteItem decision. `hasDependents` is asked only when an owner waits for
 * this object: then its own dependents must go first (Foreground).
 */
export function decideDependent(
  obj: KubeObject,
  owners: readonly (readonly [OwnerReference, OwnerLookup])[],
  hasDependents: () => boolean,
): DependentAction {
  let solid = 0;
  const dangling: OwnerReference[] = [];
  const waiting: OwnerReference[] = [];
  for (const [ref, owner] of owners) {
    // A kind kubelab does not serve can neither be confirmed present nor absent: never collect on it.
    if (owner === 'unresolvable') solid++;
    else if (!owner) dangling.push(ref);
    else if (ref.blockOwnerDeletion && isDeletingDependents(owner)) waiting.push(ref);
    else solid++;
  }
  if (solid > 0) {
    const uids = new Set([...dangling, ...waiting].map((r) => r.uid));
    return uids.size > 0 ? { type: 'drop-owners', uids } : { type: 'keep' };
  }
  if (waiting.length > 0 && hasDependents()) return { type: 'delete', propagationPolicy: 'Foreground' };
  const finalizers = obj.metadata?.finalizers ?? [];
  const propagationPolicy = finalizers.includes(orphanFinalizer)
    ? 'Orphan'
    : finalizers.includes(foregroundFinalizer)
      ? 'Foreground'
      : 'Background';
  return { type: 'delete', propagationPolicy };
}
