// The Endpoints controller against a real API server: Endpoints follow pod readiness and IPs,
// resolve named target ports, publish not-ready addresses on request, and go with the Service.
import type { Endpoints, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointsController } from '../../src/controllers/endpoints-controller.js';
import {
  type ControllerHarness,
  isGone,
  node,
  setPodRunning,
  startControllers,
  until,
} from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const webPod = (name: string, labels = { app: 'web' }): Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
});

const ips = (ep: Endpoints, field: 'addresses' | 'notReadyAddresses') =>
  (ep.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip));

describe('endpoints controller', () => {
  it('lists ready pods in addresses and not-ready ones in notReadyAddresses, following changes', async () => {
    h = await startControllers([endpointsController]);
    const pods = h.api<Pod>('Pod');
    const services = h.api<Service>('Service');
    const endpoints = h.api<Endpoints>('Endpoints');
    await h.api<Node>('Node').create(node('node-a'));
    for (const name of ['web-1', 'web-2']) {
      await pods.create(webPod(name));
      await h.client.bind(await pods.get(name), 'node-a');
    }
    await pods.create(webPod('other', { app: 'db' }));
    await services.create({
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const empty = await until('empty endpoints', () => endpoints.get('web'));
    expect(empty.subsets ?? []).toEqual([]);
    expect(empty.metadata?.labels).toEqual({ tier: 'front' });

    await setPodRunning(pods, 'web-1', { ready: true, ip: '10.1.0.1' });
    await setPodRunning(pods, 'web-2', { ready: false, ip: '10.1.0.2' });
    const ep = await until('both pods listed', async () => {
      const e = await endpoints.get('web');
      return ips(e, 'addresses').length + ips(e, 'notReadyAddresses').length === 2 ? e : undefined;
    });
    const web1 = (await pods.get('web-1')).metadata?.uid;
    expect(ep.subsets).toEqual([
      {
        addresses: [
          {
            ip: '10.1.0.1',
            nodeName: 'node-a',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: web1 },
          },
        ],
        notReadyAddresses: [expect.objectContaining({ ip: '10.1.0.2' })],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);

    // Readiness flips: web-2 becomes ready, web-1 not.
    await setPodRunning(pods, 'web-2', { ready: true, ip: '10.1.0.2' });
    await setPodRunning(pods, 'web-1', { ready: false, ip: '10.1.0.1' });
    await until('readiness followed', async () => {
      const e = await endpoints.get('web');
      return ips(e, 'addresses').join() === '10.1.0.2' && ips(e, 'notReadyAddresses').join() === '10.1.0.1';
    });

    // A deleted pod leaves; nothing else changes, so nothing is rewritten.
    await pods.delete('web-1');
    const settled = await until('web-1 removed', async () => {
      const e = await endpoints.get('web');
      return ips(e, 'notReadyAddresses').length === 0 ? e : undefined;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect((await endpoints.get('web')).metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);

    await services.delete('web');
    await until('endpoints gone with the service', () => isGone(endpoints, 'web'));
  });

  it('publishes not-ready addresses when the Service asks, and leaves selector-less Services alone', async () => {
    h = await startControllers([endpointsController]);
    const pods = h.api<Pod>('Pod');
    const services = h.api<Service>('Service');
    const endpoints = h.api<Endpoints>('Endpoints');
    await pods.create(webPod('web-1'));
    await setPodRunning(pods, 'web-1', { ready: false, ip: '10.1.0.1' });
    await services.create({
      metadata: { name: 'peers' },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { app: 'web' },
        ports: [{ name: 'p', port: 9000 }],
      },
    });
    const ep = await until('peers endpoints', async () => {
      const e = await endpoints.get('peers');
      return ips(e, 'addresses').length === 1 ? e : undefined;
    });
    expect(ep.metadata?.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(ep.subsets?.[0]?.ports).toEqual([{ name: 'p', port: 9000, protocol: 'TCP' }]);

    await services.create({ metadata: { name: 'external' }, spec: { ports: [{ port: 80 }] } });
    await endpoints.create({
      metadata: { name: 'external' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80 }] }],
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(ips(await endpoints.get('external'), 'addresses')).toEqual(['192.0.2.10']);
  });
});
