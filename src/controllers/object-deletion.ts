// Deleting what a controller decided should go. A controller acts on a cache that may be a
// step behind: the object may be gone already (not an error), or replaced by a namesake that
// the uid precondition keeps safe.
import type { KubeObject } from '../api/kube-object.js';
import { StatusError } from '../api/status-error.js';
import type { DeleteOptions, ResourceClient } from '../client/rest-client.js';

/** Whether `request` succeeded (false: its object was gone, NotFound); other errors propagate. */
export async function ignoreNotFound(request: Promise<unknown>): Promise<boolean> {
  try {
    await request;
    return true;
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'NotFound') return false;
    throw e;
  }
}

/**
 * Deletes `obj` by name, only while it is the same object (uid precondition). Whether this
 * call deleted it (false: gone already).
 */
export function deleteIfPresent<T extends KubeObject>(
  objects: ResourceClient<T>,
  obj: KubeObject,
  options: Omit<DeleteOptions, 'preconditions'> = {},
): Promise<boolean> {
  return ignoreNotFound(
    objects.delete(obj.metadata!.name!, { ...options, preconditions: { uid: obj.metadata?.uid } }),
  );
}
