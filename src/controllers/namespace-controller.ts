// The namespace controller (kube's pkg/controller/namespace): deleting a namespace marks it
// Terminating (deletionTimestamp, phase Terminating) and the API server keeps it while
// spec.finalizers still holds `kubernetes`. This controller is that finalizer: it deletes
// every namespaced object in it, kind by kind, waits until they are really gone (pods take
// their grace period, objects with finalizers wait for them), reports progress in kube's
// Namespace conditions (namespace-conditions.ts), and finally PUTs /finalize without
// `kubernetes` so the server deletes the namespace.
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import { resource, resources } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { Controller, type ReconcileResult, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import {
  namespaceConditionsUpdate,
  namespaceFinalizer,
  type RemainingContent,
  type ResourceLeftovers,
  remainingContent,
} from './namespace-conditions.js';
import { ignoreNotFound } from './object-deletion.js';

const namespacedResources = resources.filter((r) => r.namespaced);

/** How long to wait before looking again when content remains and nothing tells us sooner. */
const contentRecheckMs = 1_000;

export const namespaceController: ControllerFactory = (ctx) => {
  const namespaces = ctx.informers.informerFor<Namespace>(resource.namespaces);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const controller = new Controller(
    { name: 'namespace-controller', clock: ctx.clock },
    new NamespaceController(ctx, namespaces),
  );
  controller.watch(namespaces);
  // A pod leaving a terminating namespace is usually what the namespace waits for: look again now.
  pods.onDelete((pod) => {
    const ns = namespaces.get(pod.metadata?.namespace ?? '');
    if (ns?.metadata?.deletionTimestamp) controller.enqueue(ns.metadata.name!);
  });
  return controller;
};

export class NamespaceController implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly namespaces: Informer<Namespace>,
  ) {}

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ns = this.namespaces.get(name);
    if (!ns?.metadata?.deletionTimestamp) return undefined;
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(namespaceFinalizer)) return undefined;
    const remaining = await this.deleteContent(name);
    try {
      await this.updateConditions(ns, remaining);
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
      throw e;
    }
    if (remaining.counts.size > 0 || remaining.failures.size > 0) return { requeueAfterMs: contentRecheckMs };
    await this.finalize(name, finalizers);
    return undefined;
  }

  /** Deletes everything in the namespace (Background: the garbage collector takes the dependents) and counts what is left. */
  private async deleteContent(ns: string): Promise<RemainingContent> {
    const leftovers: ResourceLeftovers[] = [];
    for (const r of namespacedResources) {
      const client = this.ctx.client.resource<KubeObject>(r, ns);
      const name = `${r.plural}.${r.group}`;
      let failure: string | undefined;
      let { items } = await client.listAll();
      // Deleting what is already terminating again would only rewrite it; skip until something new shows up.
      if (items.some((i) => !i.metadata?.deletionTimestamp)) {
        try {
          await client.deleteCollection({ propagationPolicy: 'Background' });
        } catch (e) {
          failure = (e as Error).message;
        }
        items = (await client.listAll()).items;
      }
      leftovers.push({ resource: name, items, failure });
    }
    return remainingContent(leftovers);
  }

  private async updateConditions(ns: Namespace, remaining: RemainingContent): Promise<void> {
    const now = rfc3339(this.ctx.clock.now());
    const conditions = namespaceConditionsUpdate(ns.status?.conditions ?? [], remaining, now);
    if (!conditions) return;
    await this.ctx.client
      .resource<Namespace>(resource.namespaces)
      .patch(ns.metadata!.name!, { status: { conditions } }, 'merge', { subresource: 'status' });
  }

  /** Takes our finalizer off: the server then deletes the empty namespace. */
  private async finalize(name: string, finalizers: readonly string[]): Promise<void> {
    // NotFound: finalized by an earlier pass our cache had not caught up with.
    await ignoreNotFound(
      this.ctx.client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        body: {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
          spec: { finalizers: finalizers.filter((f) => f !== namespaceFinalizer) },
        },
      }),
    );
  }
}
