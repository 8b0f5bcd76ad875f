// The garbage collector, after kube's pkg/controller/garbagecollector: ownerReferences form a
// graph, and deleting an owner decides what happens to its dependents.
//  - Background: the owner is gone at once; each dependent whose owners are all gone
//    (dangling) is deleted in turn, so a chain Deployment -> ReplicaSet -> Pod unwinds.
//  - Foreground: the API server keeps the owner (deletionTimestamp + foregroundDeletion
//    finalizer); dependents that block owner deletion are deleted first, then the finalizer
//    comes off and the owner goes.
//  - Orphan: the owner has the orphan finalizer; its ownerReferences are removed from every
//    dependent, then the finalizer comes off. Dependents live on.
// The graph is the informer caches with an owner-uid index; an owner missing from the cache is
// confirmed gone with a live GET before anything is deleted, because the cache may lag.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import { type ResourceInfo, resourceByKind, resources } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { DeleteOptions } from '../client/rest-client.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  decideDependent,
  foregroundFinalizer,
  type OwnerLookup,
  orphanFinalizer,
} from './dependent-deletion.js';
import { deleteIfPresent, ignoreNotFound } from './object-deletion.js';

const ownerUidIndex = 'garbage-collector:owner-uid';

/** Everything that can own or be owned; Events are high-volume and never part of the graph. */
const trackedResources = resources.filter((r) => r.kind !== 'Event' && r.kind !== 'Namespace');

export class GarbageCollector implements Reconciler {
  readonly controller: Controller;
  private readonly informers = new Map<string, Informer<KubeObject>>();

  constructor(private readonly ctx: ControllerContext) {
    this.controller = new Controller({ name: 'garbage-collector', clock: ctx.clock, workers: 4 }, this);
    for (const info of trackedResources) {
      const informer = ctx.informers.informerFor<KubeObject>(info);
      informer.addIndexer(ownerUidIndex, (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid));
      this.informers.set(info.kind, informer);
      this.controller.watch(informer, (o) => this.keysFor(info, informer, o));
    }
  }

  /**
   * Which graph nodes an event touches: the object itself when it has owners or is being
   * deleted; its owners that wait on their dependents; and, once it is gone or going, its
   * dependents (which may now be dangling, or blocking a foreground deletion).
   */
  private keysFor(info: ResourceInfo, informer: Informer<KubeObject>, obj: KubeObject): string[] {
    const meta = obj.metadata ?? {};
    const keys: string[] = [];
    if (meta.ownerReferences?.length || meta.deletionTimestamp) keys.push(graphKey(info, obj));
    for (const ref of meta.ownerReferences ?? []) {
      const owner = this.cachedOwner(obj, ref);
      if (owner?.metadata?.deletionTimestamp)
        keys.push(graphKey(resourceByKind(ref.apiVersion, ref.kind)!, owner));
    }
    const current = informer.get(objectKey(obj));
    const gone = !current || current.metadata?.uid !== meta.uid;
    if ((gone || meta.deletionTimestamp) && meta.uid) {
      for (const [, dependent] of this.dependentsOf(meta.uid)) keys.push(dependent);
    }
    return keys;
  }

  async reconcile(key: string): Promise<void> {
    const sep = key.indexOf(':');
    const info = resources.find((r) => r.kind === key.slice(0, sep))!;
    const obj = this.informers.get(info.kind)?.get(key.slice(sep + 1));
    if (!obj) return;
    const finalizers = obj.metadata?.finalizers ?? [];
    if (obj.metadata?.deletionTimestamp) {
      if (finalizers.includes(orphanFinalizer)) return this.orphanDependents(info, obj);
      if (finalizers.includes(foregroundFinalizer)) return this.deleteBlockingDependents(info, obj);
      return; // already on its way out
    }
    if (obj.metadata?.ownerReferences?.length) await this.attemptToDelete(info, obj);
  }

  /** kube's attemptToDeleteItem: look up every owner, then act on what they say (dependent-deletion.ts). */
  private async attemptToDelete(info: ResourceInfo, obj: KubeObject): Promise<void> {
    const owners: [OwnerReference, OwnerLookup][] = [];
    for (const ref of obj.metadata?.ownerReferences ?? [])
      owners.push([ref, await this.lookupOwner(obj, ref)]);
    const action = decideDependent(obj, owners, () => this.dependentsOf(obj.metadata!.uid!).length > 0);
    if (action.type === 'drop-owners') await this.removeOwnerReferences(info, obj, action.uids);
    else if (action.type === 'delete') await this.deleteObject(info, obj, action.propagationPolicy);
  }

  /** Foreground: delete every dependent that blocks the owner; when none is left, let the owner go. */
  private async deleteBlockingDependents(info: ResourceInfo, owner: KubeObject): Promise<void> {
    const uid = owner.metadata!.uid!;
    const blocking = this.dependentsOf(uid).filter(([dep]) =>
      (dep.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion),
    );
    if (blocking.length === 0) {
      await this.removeFinalizer(info, owner, foregroundFinalizer);
      return;
    }
    for (const [dep, key] of blocking) if (!dep.metadata?.deletionTimestamp) this.controller.enqueue(key);
  }

  private async orphanDependents(info: ResourceInfo, owner: KubeObject): Promise<void> {
    const uid = owner.metadata!.uid!;
    for (const [dep, key] of this.dependentsOf(uid)) {
      const depInfo = resources.find((r) => r.kind === key.slice(0, key.indexOf(':')))!;
      await this.removeOwnerReferences(depInfo, dep, new Set([uid]));
    }
    await this.removeFinalizer(info, owner, orphanFinalizer);
  }

  private cachedOwner(obj: KubeObject, ref: OwnerReference): KubeObject | undefined {
    const info = resourceByKind(ref.apiVersion, ref.kind);
    const informer = info && this.informers.get(info.kind);
    if (!info || !informer) return undefined;
    const ns = info.namespaced ? obj.metadata?.namespace : undefined;
    const owner = informer.get(ns ? `${ns}/${ref.name}` : ref.name);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** The owner, undefined when it is really gone (or replaced by a namesake), from a live GET if not cached. */
  private async lookupOwner(obj: KubeObject, ref: OwnerReference): Promise<OwnerLookup> {
    const info = resourceByKind(ref.apiVersion, ref.kind);
    if (!info || !this.informers.has(info.kind)) return 'unresolvable';
    const cached = this.cachedOwner(obj, ref);
    if (cached) return cached;
    const ns = info.namespaced ? obj.metadata?.namespace : undefined;
    try {
      const live = await this.ctx.client.resource<KubeObject>(info, ns).get(ref.name);
      return live.metadata?.uid === ref.uid ? live : undefined;
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
      throw e;
    }
  }

  /** [dependent, graph key] for every cached object with an ownerReference to `uid`. */
  private dependentsOf(uid: string): [KubeObject, string][] {
    const out: [KubeObject, string][] = [];
    for (const info of trackedResources) {
      for (const dep of this.informers.get(info.kind)!.byIndex(ownerUidIndex, uid))
        out.push([dep, graphKey(info, dep)]);
    }
    return out;
  }

  private async deleteObject(
    info: ResourceInfo,
    obj: KubeObject,
    propagationPolicy: NonNullable<DeleteOptions['propagationPolicy']>,
  ): Promise<void> {
    this.ctx.log(
      `garbage-collector: deleting ${info.kind} ${objectKey(obj)} (propagationPolicy ${propagationPolicy})`,
    );
    await deleteIfPresent(this.ctx.client.resource(info, obj.metadata?.namespace), obj, {
      propagationPolicy,
    });
  }

  /** A JSON patch that tests each reference's uid before removing it, so a concurrent edit fails instead of being clobbered. */
  private async removeOwnerReferences(info: ResourceInfo, obj: KubeObject, uids: Set<string>): Promise<void> {
    const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: obj.metadata?.uid }];
    const refs = obj.metadata?.ownerReferences ?? [];
    for (let i = refs.length - 1; i >= 0; i--) {
      if (!uids.has(refs[i]!.uid)) continue;
      ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: refs[i]!.uid });
      ops.push({ op: 'remove', path: `/metadata/ownerReferences/${i}` });
    }
    if (ops.length === 1) return;
    await ignoreNotFound(
      this.ctx.client.resource(info, obj.metadata?.namespace).patch(obj.metadata!.name!, ops, 'json'),
    );
  }

  private async removeFinalizer(info: ResourceInfo, obj: KubeObject, finalizer: string): Promise<void> {
    const i = (obj.metadata?.finalizers ?? []).indexOf(finalizer);
    if (i < 0) return;
    const ops = [
      { op: 'test', path: '/metadata/uid', value: obj.metadata?.uid },
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ];
    await ignoreNotFound(
      this.ctx.client.resource(info, obj.metadata?.namespace).patch(obj.metadata!.name!, ops, 'json'),
    );
  }
}

function graphKey(info: ResourceInfo, obj: KubeObject): string {
  return `${info.kind}:${objectKey(obj)}`;
}

export const garbageCollector: ControllerFactory = (ctx) => new GarbageCollector(ctx).controller;
