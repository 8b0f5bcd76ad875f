// The ServiceAccount controller (kube's pkg/controller/serviceaccount): every live namespace
// has a `default` ServiceAccount, the one pods run as when they name none. Deleting it brings
// it back, as in kube. What to create is decided in namespace-defaults.ts.
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { defaultServiceAccountName } from '../api/service-accounts.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { acceptsContent, missingDefaultServiceAccount } from './namespace-defaults.js';

export const serviceAccountController: ControllerFactory = (ctx) => {
  const namespaces = ctx.informers.informerFor<Namespace>(resource.namespaces);
  const serviceAccounts = ctx.informers.informerFor<ServiceAccount>(resource.serviceAccounts);
  const controller = new Controller(
    { name: 'serviceaccount-controller', clock: ctx.clock },
    new ServiceAccountsController(ctx, namespaces, serviceAccounts),
  );
  controller.watch(namespaces);
  serviceAccounts.onDelete((sa) => {
    if (sa.metadata?.name === defaultServiceAccountName) controller.enqueue(sa.metadata.namespace ?? '');
  });
  return controller;
};

/** Reconciles one namespace (the key is its name). */
export class ServiceAccountsController implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly namespaces: Informer<Namespace>,
    private readonly serviceAccounts: Informer<ServiceAccount>,
  ) {}

  async reconcile(namespace: string): Promise<void> {
    if (!acceptsContent(this.namespaces.get(namespace))) return;
    await this.ensureDefaultServiceAccount(namespace);
  }

  private async ensureDefaultServiceAccount(namespace: string): Promise<void> {
    const missing = missingDefaultServiceAccount(
      namespace,
      this.serviceAccounts.get(`${namespace}/${defaultServiceAccountName}`),
    );
    if (!missing) return;
    try {
      await this.ctx.client.resource<ServiceAccount>(resource.serviceAccounts, namespace).create(missing);
    } catch (e) {
      // The cache was behind: it exists already, which is all this controller wants.
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
  }
}
