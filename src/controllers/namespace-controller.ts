// The namespace controller (kube's pkg/controller/namespace): deleting a namespace marks it
// Terminating (deletionTimestamp, phase Terminating) and the API server keeps it while
// spec.finalizers still holds `kubernetes`. This controller is that finalizer: it deletes
// every namespaced object in it, kind by kind, waits until they are really gone (pods take
// their grace period, objects with finalizers wait for them), reports progress in kube's
// Namespace conditions, and finally PUTs /finalize without `kubernetes` so the server deletes
// the namespace.
import type { Namespace, NamespaceCondition, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import { type ResourceInfo, resource, resources } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller } from '../client/controller.js';
import type { ControllerFactory } from './context.js';

export const namespaceFinalizer = 'kubernetes';

const namespacedResources = resources.filter((r) => r.namespaced);

/** How long to wait before looking again when content remains and nothing tells us sooner. */
const contentRecheckMs = 1_000;

export interface RemainingContent {
  /** `pods.` / `deployments.apps` -> how many are left. */
  counts: Map<string, number>;
  /** finalizer -> how many remaining objects carry it. */
  finalizers: Map<string, number>;
  /** Resources whose deletecollection failed -> the error. */
  failures: Map<string, string>;
}

function resourceName(r: ResourceInfo): string {
  return `${r.plural}.${r.group}`;
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

export const namespaceController: ControllerFactory = (ctx) => {
  const namespaces = ctx.informers.informerFor<Namespace>(resource.namespaces);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);

  /** Deletes everything in the namespace (Background: the garbage collector takes the dependents) and counts what is left. */
  const deleteContent = async (ns: string): Promise<RemainingContent> => {
    const remaining: RemainingContent = { counts: new Map(), finalizers: new Map(), failures: new Map() };
    for (const r of namespacedResources) {
      const client = ctx.client.resource<KubeObject>(r, ns);
      let { items } = await client.listAll();
      // Deleting what is already terminating again would only rewrite it; skip until something new shows up.
      if (items.some((i) => !i.metadata?.deletionTimestamp)) {
        try {
          await client.deleteCollection({ propagationPolicy: 'Background' });
        } catch (e) {
          remaining.failures.set(resourceName(r), `${resourceName(r)}: ${(e as Error).message}`);
        }
        items = (await client.listAll()).items;
      }
      if (items.length > 0) remaining.counts.set(resourceName(r), items.length);
      for (const item of items) {
        for (const f of item.metadata?.finalizers ?? [])
          remaining.finalizers.set(f, (remaining.finalizers.get(f) ?? 0) + 1);
      }
    }
    return remaining;
  };

  const updateConditions = async (ns: Namespace, remaining: RemainingContent): Promise<void> => {
    const now = rfc3339(ctx.clock.now());
    const old = ns.status?.conditions ?? [];
    const next = namespaceConditions(remaining, now).map((c) => {
      const prev = old.find((o) => o.type === c.type);
      // A condition keeps its transition time while its status stays the same.
      return prev && prev.status === c.status ? { ...c, lastTransitionTime: prev.lastTransitionTime } : c;
    });
    const same = (a: NamespaceCondition[], b: NamespaceCondition[]) =>
      a.length === b.length &&
      a.every((c, i) => c.type === b[i]?.type && c.status === b[i]?.status && c.message === b[i]?.message);
    if (same(old, next)) return;
    await ctx.client
      .resource<Namespace>(resource.namespaces)
      .patch(ns.metadata!.name!, { status: { conditions: next } }, 'merge', { subresource: 'status' });
  };

  const controller = new Controller(
    { name: 'namespace-controller', clock: ctx.clock },
    {
      async reconcile(name) {
        const ns = namespaces.get(name);
        if (!ns?.metadata?.deletionTimestamp) return;
        const finalizers = ns.spec?.finalizers ?? [];
        if (!finalizers.includes(namespaceFinalizer)) return;
        const remaining = await deleteContent(name);
        try {
          await updateConditions(ns, remaining);
        } catch (e) {
          if (e instanceof StatusError && e.reason === 'NotFound') return;
          throw e;
        }
        if (remaining.counts.size > 0 || remaining.failures.size > 0)
          return { requeueAfterMs: contentRecheckMs };
        try {
          await ctx.client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
            body: {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name },
              spec: { finalizers: finalizers.filter((f) => f !== namespaceFinalizer) },
            },
          });
        } catch (e) {
          // Finalized by an earlier pass our cache had not caught up with.
          if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
        }
      },
    },
  );
  controller.watch(namespaces);
  // A pod leaving a terminating namespace is usually what the namespace waits for: look again now.
  pods.onDelete((pod) => {
    const ns = namespaces.get(pod.metadata?.namespace ?? '');
    if (ns?.metadata?.deletionTimestamp) controller.enqueue(ns.metadata.name!);
  });
  return controller;
};
