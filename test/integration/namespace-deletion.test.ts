// The namespace controller against a real API server: deleting a namespace empties it (waiting
// for terminating pods), reports progress in kube's conditions, then finalizes it away.
import type { ConfigMap, Namespace, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { namespaceController } from '../../src/controllers/namespace-controller.js';
import {
  type ControllerHarness,
  isGone,
  node,
  startControllers,
  until,
} from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

describe('namespace controller', () => {
  it('deletes all content, waits for terminating pods, then removes the namespace', async () => {
    h = await startControllers([namespaceController]);
    const namespaces = h.api<Namespace>('Namespace');
    const created = await namespaces.create({ metadata: { name: 'team' } });
    expect(created.spec?.finalizers).toEqual(['kubernetes']);
    await h.api<Node>('Node').create(node('node-a'));
    const cms = h.api<ConfigMap>('ConfigMap', 'team');
    const pods = h.api<Pod>('Pod', 'team');
    await cms.create({ metadata: { name: 'settings' }, data: { a: '1' } });
    await h
      .api<Service>('Service', 'team')
      .create({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    await pods.create({
      metadata: { name: 'worker' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await h.client.bind(await pods.get('worker'), 'node-a');
    // Another namespace's content is not touched.
    await h.api<ConfigMap>('ConfigMap', 'default').create({ metadata: { name: 'keep' } });

    await namespaces.delete('team');
    const terminating = await until('content removed but the pod', async () => {
      const ns = await namespaces.get('team');
      const remaining = ns.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining');
      return remaining?.status === 'True' ? ns : undefined;
    });
    expect(terminating.status?.phase).toBe('Terminating');
    expect(terminating.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining')?.message).toBe(
      'Some resources are remaining: pods. has 1 resource instances',
    );
    expect((await cms.list()).items).toHaveLength(0);
    expect((await pods.get('worker')).metadata?.deletionTimestamp).toBeTruthy();

    // Playing the kubelet: the pod's containers are gone.
    await pods.delete('worker', { gracePeriodSeconds: 0 });
    await until('namespace gone', () => isGone(namespaces, 'team'));
    expect((await h.api<ConfigMap>('ConfigMap', 'default').get('keep')).metadata?.name).toBe('keep');
  });
});
