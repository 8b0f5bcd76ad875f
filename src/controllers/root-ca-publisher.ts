// The root CA publisher (kube's rootcacertpublisher): a `kube-root-ca.crt` ConfigMap with the
// cluster CA in every live namespace, put back when deleted or edited, so the CA a pod's token
// volume mounts is always the one the API server's certificate chains to. The controller
// manager knows the CA from its own kubeconfig (ControllerContext.rootCA). What to write is
// decided in namespace-defaults.ts.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { rootCAConfigMapName } from '../api/service-accounts.js';
import { StatusError } from '../api/status-error.js';
import { Controller, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { acceptsContent, rootCAConfigMap } from './namespace-defaults.js';

export const rootCAPublisher: ControllerFactory = (ctx) => {
  const namespaces = ctx.informers.informerFor<Namespace>(resource.namespaces);
  const configMaps = ctx.informers.informerFor<ConfigMap>(resource.configMaps);
  const controller = new Controller(
    { name: 'root-ca-cert-publisher', clock: ctx.clock },
    new RootCAPublisher(ctx, namespaces, configMaps),
  );
  controller.watch(namespaces);
  controller.watch(configMaps, (cm) =>
    cm.metadata?.name === rootCAConfigMapName ? [cm.metadata.namespace] : [],
  );
  return controller;
};

/** Reconciles one namespace (the key is its name). */
export class RootCAPublisher implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly namespaces: Informer<Namespace>,
    private readonly configMaps: Informer<ConfigMap>,
  ) {}

  async reconcile(namespace: string): Promise<void> {
    const caPem = this.ctx.rootCA;
    if (!caPem || !acceptsContent(this.namespaces.get(namespace))) return;
    await this.publishRootCA(namespace, caPem);
  }

  private async publishRootCA(namespace: string, caPem: string): Promise<void> {
    const current = this.configMaps.get(`${namespace}/${rootCAConfigMapName}`);
    const desired = rootCAConfigMap(namespace, caPem, current);
    if (!desired) return;
    const client = this.ctx.client.resource<ConfigMap>(resource.configMaps, namespace);
    try {
      if (current) await client.update(desired);
      else await client.create(desired);
    } catch (e) {
      // The cache was behind (created, changed or deleted meanwhile): its event brings us back.
      if (!(e instanceof StatusError && ['AlreadyExists', 'Conflict', 'NotFound'].includes(e.reason)))
        throw e;
    }
  }
}
