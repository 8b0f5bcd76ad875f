// The Endpoints controller (kube's pkg/controller/endpoint): for every Service with a selector,
// an Endpoints object of the same name lists the pods behind it — ready pods under
// `addresses`, the others under `notReadyAddresses` (unless the Service publishes not-ready
// addresses). The service proxy and cluster DNS read these. Services without a selector are
// left alone: their Endpoints are the user's. What the Endpoints say is decided in
// endpoints-subsets.ts; this file reads and writes.
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../api/labels.js';
import { resource } from '../api/resources.js';
import { Controller, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import { objectKey, splitKey } from '../client/object-key.js';
import type { ControllerContext, ControllerFactory } from './context.js';
import { desiredEndpoints } from './endpoints-subsets.js';
import { ignoreNotFound } from './object-deletion.js';

export const endpointsController: ControllerFactory = (ctx) => {
  const services = ctx.informers.informerFor<Service>(resource.services);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const endpoints = ctx.informers.informerFor<Endpoints>(resource.endpoints);
  const controller = new Controller(
    { name: 'endpoints-controller', clock: ctx.clock, workers: 2 },
    new EndpointsController(ctx, services, pods, endpoints),
  );
  controller.watch(services);
  // A pod change matters to every Service whose selector matches it, before or after the change.
  controller.watch(pods, (pod) => {
    const ns = pod.metadata?.namespace ?? '';
    return services
      .byIndex('namespace', ns)
      .filter((s) => s.spec?.selector && selectorFromSet(s.spec.selector).matches(pod.metadata?.labels))
      .map((s) => objectKey(s));
  });
  // Someone deleted our Endpoints: put them back (creations by others are theirs to keep).
  endpoints.onDelete((ep) => controller.enqueue(objectKey(ep)));
  return controller;
};

export class EndpointsController implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly services: Informer<Service>,
    private readonly pods: Informer<Pod>,
    private readonly endpoints: Informer<Endpoints>,
  ) {}

  async reconcile(key: string): Promise<void> {
    const service = this.services.get(key);
    if (!service) return this.deleteEndpoints(key);
    const selector = service.spec?.selector;
    if (!selector) return;
    const matcher = selectorFromSet(selector);
    const selected = this.pods
      .byIndex('namespace', service.metadata!.namespace!)
      .filter((p) => matcher.matches(p.metadata?.labels));
    await this.syncEndpoints(key, service, selected);
  }

  /** The Service is gone: its Endpoints go too. */
  private async deleteEndpoints(key: string): Promise<void> {
    if (!this.endpoints.get(key)) return;
    const { namespace, name } = splitKey(key);
    await ignoreNotFound(this.ctx.client.resource<Endpoints>(resource.endpoints, namespace).delete(name));
  }

  private async syncEndpoints(key: string, service: Service, selected: readonly Pod[]): Promise<void> {
    const current = this.endpoints.get(key);
    const desired = desiredEndpoints(service, selected, current);
    if (!desired) return;
    const client = this.ctx.client.resource<Endpoints>(resource.endpoints, service.metadata?.namespace);
    if (current) await client.update(desired);
    else await client.create(desired);
  }
}
