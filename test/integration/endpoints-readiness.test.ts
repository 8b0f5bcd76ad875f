// The Endpoints controller against a real API server on a FakeClock, with the scheduler and a
// SIMULATED node agent running the pods (ready 1 s of the clock after they start; kubelab/slow
// after 20 s): Endpoints follow pod readiness and IPs, resolve named target ports, publish
// not-ready addresses on request, and go with the Service.
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointsController } from '../../src/controllers/endpoints-controller.js';
import { type ControllerHarness, isGone, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const webPod = (name: string, labels = { app: 'web' }, image = 'nginx'): Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
});

const start = (nodes = ['node-a']) =>
  startControllers([endpointsController], { nodes, sim: { readyDelayMs: 1_000 } });

const podIP = async (pods: { get(name: string): Promise<Pod> }, name: string) =>
  until(`${name} has an IP`, async () => (await pods.get(name)).status?.podIP);

const ips = (ep: Endpoints, field: 'addresses' | 'notReadyAddresses') =>
  (ep.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip));

describe('endpoints controller', () => {
  it('lists ready pods in addresses and not-ready ones in notReadyAddresses, following changes', async () => {
    // No node yet: the pods stay Pending, without IPs, until node-a joins.
    h = await start([]);
    const pods = h.api<Pod>('Pod');
    const services = h.api<Service>('Service');
    const endpoints = h.api<Endpoints>('Endpoints');
    await pods.create(webPod('web-1'));
    // Slow to start: not ready until 20 s after it starts.
    await pods.create(webPod('web-2', { app: 'web' }, 'kubelab/slow'));
    await pods.create(webPod('other', { app: 'db' }));
    await services.create({
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const empty = await until('empty endpoints', () => endpoints.get('web'));
    expect(empty.subsets ?? []).toEqual([]);
    expect(empty.metadata?.labels).toEqual({ tier: 'front' });

    await h.addNodes(['node-a']);
    const ip1 = await podIP(pods, 'web-1');
    const ip2 = await podIP(pods, 'web-2');
    await h.advance(1_000); // web-1 is ready, web-2 still starting
    const ep = await until('both pods listed', async () => {
      const e = await endpoints.get('web');
      return ips(e, 'addresses').length + ips(e, 'notReadyAddresses').length === 2 ? e : undefined;
    });
    const web1 = (await pods.get('web-1')).metadata?.uid;
    expect(ep.subsets).toEqual([
      {
        addresses: [
          {
            ip: ip1,
            nodeName: 'node-a',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: web1 },
          },
        ],
        notReadyAddresses: [expect.objectContaining({ ip: ip2 })],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);

    // Readiness flips: web-2 becomes ready; web-1's container crashes, and its restart is not
    // ready until a second (of the clock) after it starts again.
    await h.advance(20_000);
    await pods.patch('web-1', { metadata: { annotations: { 'sim.kubelab.dev/crash': '1' } } }, 'merge');
    await until('readiness followed', async () => {
      const e = await endpoints.get('web');
      return ips(e, 'addresses').join() === ip2 && ips(e, 'notReadyAddresses').join() === ip1;
    });

    // A deleted pod leaves; nothing else changes, so nothing is rewritten.
    await pods.delete('web-1');
    const settled = await until('web-1 removed', async () => {
      const e = await endpoints.get('web');
      return ips(e, 'notReadyAddresses').length === 0 ? e : undefined;
    });
    await h.settled();
    expect((await endpoints.get('web')).metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);

    await services.delete('web');
    await until('endpoints gone with the service', () => isGone(endpoints, 'web'));
  });

  it('publishes not-ready addresses when the Service asks, and leaves selector-less Services alone', async () => {
    h = await start();
    const pods = h.api<Pod>('Pod');
    const services = h.api<Service>('Service');
    const endpoints = h.api<Endpoints>('Endpoints');
    await pods.create(webPod('web-1', { app: 'web' }, 'kubelab/web:broken'));
    await podIP(pods, 'web-1'); // running, never ready
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
    await h.settled();
    expect(ips(await endpoints.get('external'), 'addresses')).toEqual(['192.0.2.10']);
  });
});
