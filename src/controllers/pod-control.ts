// The stages every pod-owning controller (ReplicaSet, DaemonSet, StatefulSet, Job) shares,
// after kube's pkg/controller/controller_utils.go: claiming pods, creating and deleting pods
// with the events kube records, creating in slow-start batches, and expectations (so a
// controller does not act twice while its informer lags behind its own writes). The pure
// facts about owned pods are in owned-pods.ts.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { controllerKeyOf, type OwnerObject } from '../api/owner-references.js';
import { type ResourceInfo, resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { Clock } from '../client/clock.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { ApiClient } from '../client/rest-client.js';
import { claimObjects, getLive } from './claim-objects.js';

/** An owner with the label selector that picks its pods (ReplicaSet, DaemonSet, StatefulSet, Job). */
export interface PodOwner extends OwnerObject {
  spec?: { selector?: LabelSelector | null };
}

/**
 * kube's ClaimPods: the pods `owner` owns among `candidates` (its namespace's pods) after
 * adopting matching orphans and releasing pods that stopped matching. The owner is re-read
 * from the server (`ownerResource`) before the first adoption.
 */
export function claimPods(
  client: ApiClient,
  owner: PodOwner,
  ownerResource: ResourceInfo,
  candidates: readonly Pod[],
): Promise<Pod[]> {
  const namespace = owner.metadata?.namespace;
  return claimObjects(candidates, {
    controller: owner,
    selector: selectorFromLabelSelector(owner.spec?.selector),
    objects: client.resource<Pod>(resource.pods, namespace),
    recheck: () => getLive(client.resource<OwnerObject>(ownerResource, namespace), owner.metadata!.name!),
  });
}

/** Creates and deletes pods for a controller, recording kube's events on the owner. */
export class PodControl {
  constructor(
    private readonly client: ApiClient,
    private readonly recorder: EventRecorder,
  ) {}

  /** Creates `pod` (usually from podFromTemplate); SuccessfulCreate or FailedCreate on `owner`. */
  async createPod(pod: Pod, owner: OwnerObject): Promise<Pod> {
    try {
      const created = await this.client.resource<Pod>(resource.pods, pod.metadata?.namespace).create(pod);
      void this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (e) {
      void this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * Deletes a pod (gracefully: the server keeps it Terminating until its node confirms);
   * SuccessfulDelete or FailedDelete on `owner`. A pod that is already gone is not an error.
   */
  async deletePod(pod: Pod, owner: OwnerObject): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.client
        .resource<Pod>(resource.pods, pod.metadata?.namespace)
        .delete(name, { preconditions: pod.metadata?.uid ? { uid: pod.metadata.uid } : undefined });
      void this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return;
      void this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * Creates `pods` for the owner keyed `key`, expecting to see each one; a create that fails
   * will never be seen, so it is observed at once. Throws the first failure.
   */
  async createPodsExpecting(
    expectations: ControllerExpectations,
    key: string,
    pods: readonly Pod[],
    owner: OwnerObject,
  ): Promise<void> {
    expectations.expectCreations(key, pods.length);
    const results = await Promise.allSettled(pods.map((p) => this.createPod(p, owner)));
    for (const r of results) if (r.status === 'rejected') expectations.creationObserved(key);
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /**
   * Deletes `pods` of the owner keyed `key`, expecting to see each one go; a delete that fails
   * will never be seen, so it is observed at once. Returns the first failure, for the caller
   * to report (a ReplicaSet writes its status first) or throw.
   */
  async deletePodsExpecting(
    expectations: ControllerExpectations,
    key: string,
    pods: readonly Pod[],
    owner: OwnerObject,
  ): Promise<unknown> {
    expectations.expectDeletions(key, pods.map(objectKey));
    const results = await Promise.allSettled(pods.map((p) => this.deletePod(p, owner)));
    let error: unknown;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      expectations.deletionObserved(key, objectKey(pods[i]!));
      error ??= r.reason;
    });
    return error;
  }
}

/**
 * Runs `fn` `count` times in batches that double after each fully successful batch (1, 2, 4,
 * ...), as kube's slowStartBatch: a template that cannot create pods (quota, invalid spec)
 * fails once instead of flooding the API server with `count` doomed requests.
 * Returns how many calls succeeded and the first error, if any.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<unknown>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r) => r.status === 'rejected');
    successes += results.length - results.filter((r) => r.status === 'rejected').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}

/** kube's initial slow-start batch size. */
export const slowStartInitialBatchSize = 1;

interface Expectation {
  adds: number;
  /** Keys (namespace/name) of pods whose deletion we asked for and have not yet seen. */
  deletes: Set<string>;
  at: number;
}

/**
 * kube's (UID-tracking) ControllerExpectations: after creating N pods a controller expects N
 * adds in its informer, and after deleting pods it expects to see those pods go (or start
 * terminating). Until then it must not compute a new diff from a stale cache, or it would
 * create or delete twice. Expectations expire after `ttlMs` (kube: 5 minutes) so a lost watch
 * event cannot wedge a controller forever.
 */
export class ControllerExpectations {
  private readonly byController = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  /** True when the controller may compute a fresh diff. */
  satisfied(controllerKey: string): boolean {
    const e = this.byController.get(controllerKey);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.clock.now() - e.at > this.ttlMs;
  }

  expectCreations(controllerKey: string, count: number): void {
    this.byController.set(controllerKey, { adds: count, deletes: new Set(), at: this.clock.now() });
  }

  expectDeletions(controllerKey: string, podKeys: readonly string[]): void {
    this.byController.set(controllerKey, { adds: 0, deletes: new Set(podKeys), at: this.clock.now() });
  }

  /** A pod the controller created appeared in the cache, or a create failed (it never will). */
  creationObserved(controllerKey: string): void {
    const e = this.byController.get(controllerKey);
    if (e) e.adds--;
  }

  /** A pod the controller deleted left the cache or started terminating, or the delete failed. */
  deletionObserved(controllerKey: string, podKey: string): void {
    this.byController.get(controllerKey)?.deletes.delete(podKey);
  }

  /** The controller is gone: drop what it expected. */
  forget(controllerKey: string): void {
    this.byController.delete(controllerKey);
  }

  /**
   * Observes what the pods informer sees of pods controlled by an `ownerKind`: an add is a
   * creation; a pod that starts terminating or leaves is a deletion.
   */
  observePodsOf(pods: Informer<Pod>, ownerKind: string): void {
    pods.addEventHandler({
      onAdd: (p) => {
        const key = controllerKeyOf(p, ownerKind);
        if (key) this.creationObserved(key);
      },
      onUpdate: (_old, p) => {
        const key = controllerKeyOf(p, ownerKind);
        if (key && p.metadata?.deletionTimestamp) this.deletionObserved(key, objectKey(p));
      },
      onDelete: (p) => {
        const key = controllerKeyOf(p, ownerKind);
        if (key) this.deletionObserved(key, objectKey(p));
      },
    });
  }
}
