// Claiming, after kube's pkg/controller ControllerRefManager: a controller claims the
// objects its selector matches: it keeps the ones it already owns, adopts orphans that match
// (adding its controller reference), and releases the ones it owns that no longer match
// (removing its reference, so another controller may adopt them). Objects owned by another
// controller are never touched.

import type { KubeObject } from '../api/kube-object.js';
import type { Selector } from '../api/labels.js';
import { controllerRefOf, newControllerRef, type OwnerObject } from '../api/owner-references.js';
import { StatusError } from '../api/status-error.js';
import type { ResourceClient } from '../client/rest-client.js';

export interface ClaimOptions<T extends KubeObject> {
  /** The controller doing the claiming (must carry apiVersion, kind, name, uid). */
  controller: OwnerObject;
  selector: Selector;
  /** Where to send adopt/release patches for the claimed objects (namespaced client). */
  objects: ResourceClient<T>;
  /**
   * Re-reads the controller from the API server before the first adoption, as kube's
   * RecheckDeletionTimestamp: a cache may still show a controller that is being deleted, and
   * adopting for it would only have the garbage collector delete the adoptee.
   */
  recheck: () => Promise<OwnerObject | undefined>;
  /** Extra filter (e.g. a Job does not adopt finished pods); objects failing it are neither adopted nor kept. */
  filter?: (obj: T) => boolean;
}

/**
 * The object as the server has it now, or undefined when it is gone: the `recheck` every
 * claiming controller uses, since only the server can say the controller is not being deleted.
 */
export async function getLive<T extends KubeObject>(
  objects: ResourceClient<T>,
  name: string,
): Promise<T | undefined> {
  try {
    return await objects.get(name);
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
    throw e;
  }
}

/**
 * Claims objects for a controller. Returns the objects it owns after adoption and release.
 * Adopting or releasing an object that is gone is not an error (it simply is not returned).
 */
export async function claimObjects<T extends KubeObject>(
  candidates: readonly T[],
  o: ClaimOptions<T>,
): Promise<T[]> {
  const uid = o.controller.metadata?.uid;
  const controllerDeleting = !!o.controller.metadata?.deletionTimestamp;
  let canAdopt: Promise<boolean> | undefined;
  const mayAdopt = () => {
    canAdopt ??= o
      .recheck()
      .then((fresh) => !!fresh && fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp);
    return canAdopt;
  };
  const claimed: T[] = [];
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const matches = o.selector.matches(obj.metadata?.labels ?? {}) && (o.filter?.(obj) ?? true);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      // A controller that is being deleted leaves its objects to the garbage collector.
      if (controllerDeleting) continue;
      await release(obj, o);
      continue;
    }
    if (!matches || controllerDeleting || obj.metadata?.deletionTimestamp) continue;
    if (!(await mayAdopt())) continue;
    const adopted = await adopt(obj, o);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function adopt<T extends KubeObject>(obj: T, o: ClaimOptions<T>): Promise<T | undefined> {
  return patchOwners(obj, [newControllerRef(o.controller)], o);
}

async function release<T extends KubeObject>(obj: T, o: ClaimOptions<T>): Promise<void> {
  await patchOwners(obj, [{ $patch: 'delete', uid: o.controller.metadata?.uid }], o);
}

/**
 * A strategic-merge patch of `ownerReferences` (merge key `uid`): it touches only our own
 * entry, so it never conflicts with a kubelet's status writes. Two controllers adopting at
 * once cannot both win: validation allows one controller reference, and the loser's patch is
 * Invalid. An object that is gone, or was taken first, is simply not claimed.
 */
async function patchOwners<T extends KubeObject>(
  obj: T,
  ownerReferences: unknown[],
  o: ClaimOptions<T>,
): Promise<T | undefined> {
  try {
    return await o.objects.patch(obj.metadata!.name!, { metadata: { ownerReferences } }, 'strategic', {
      namespace: obj.metadata?.namespace,
    });
  } catch (e) {
    if (e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Invalid')) return undefined;
    throw e;
  }
}
