// Owner references, after kube's metav1 helpers: an object belongs to at most one
// controller, named by the ownerReference with `controller: true`. Pure facts every
// component shares (controllers route events by them, the TUI and CLI show them).
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from './kube-object.js';

/** An object that can own others: it has a kind, a name and a uid. */
export interface OwnerObject extends KubeObject {
  apiVersion?: string;
  kind?: string;
}

/** The ownerReference with `controller: true`, if any. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** True when `owner` is `obj`'s controller (matched by uid, as kube does). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRefOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

/**
 * The reference a controller puts on what it creates: `controller: true` so the object has
 * one owner that acts on it, `blockOwnerDeletion: true` so foreground deletion of the owner
 * waits for it.
 */
export function newControllerRef(owner: OwnerObject): OwnerReference {
  const { name, uid } = owner.metadata ?? {};
  if (!owner.apiVersion || !owner.kind || !name || !uid)
    throw new Error('newControllerRef: owner needs apiVersion, kind, metadata.name and metadata.uid');
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Key of the controller that owns `obj`, as `namespace/name`, if its controller reference is
 * of `kind`. Used to route an owned object's events to its owner's work-queue key.
 */
export function controllerKeyOf(obj: KubeObject, kind: string): string | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${ref.name}` : ref.name;
}
