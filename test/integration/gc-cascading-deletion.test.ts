// The garbage collector and pod GC against a real API server: background, foreground and
// orphan cascading deletion over ownerReferences, and force-deletion of pods whose node is gone.
import type { ConfigMap, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/kube-object.js';
import { garbageCollector } from '../../src/controllers/garbage-collector.js';
import { podGarbageCollector } from '../../src/controllers/pod-gc-controller.js';
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

function ownedBy(owner: KubeObject, blockOwnerDeletion = true): OwnerReference[] {
  return [
    {
      apiVersion: owner.apiVersion!,
      kind: owner.kind!,
      name: owner.metadata!.name!,
      uid: owner.metadata!.uid!,
      blockOwnerDeletion,
    },
  ];
}

const pod = (name: string, ownerReferences?: OwnerReference[]): Pod => ({
  metadata: { name, ownerReferences },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('garbage collector', () => {
  it('background: deleting an owner deletes its dependents, down the chain', async () => {
    h = await startControllers([garbageCollector]);
    const cms = h.api<ConfigMap>('ConfigMap');
    const pods = h.api<Pod>('Pod');
    const a = await cms.create({ metadata: { name: 'a' } });
    const b = await cms.create({ metadata: { name: 'b', ownerReferences: ownedBy(a) } });
    await pods.create(pod('c', ownedBy(b)));
    const survivor = await cms.create({ metadata: { name: 'other' } });
    await cms.delete('a');
    await until('b gone', () => isGone(cms, 'b'));
    await until('c gone', () => isGone(pods, 'c'));
    expect((await cms.get('other')).metadata?.uid).toBe(survivor.metadata?.uid);
  });

  it('deletes an object whose only owner never existed, keeps one with a live owner', async () => {
    h = await startControllers([garbageCollector]);
    const cms = h.api<ConfigMap>('ConfigMap');
    const owner = await cms.create({ metadata: { name: 'owner' } });
    const ghost = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'ghost',
      uid: '00000000-0000-0000-0000-000000000000',
    };
    await cms.create({ metadata: { name: 'dangling', ownerReferences: [ghost] } });
    await cms.create({ metadata: { name: 'kept', ownerReferences: [...ownedBy(owner), ghost] } });
    await until('dangling gone', () => isGone(cms, 'dangling'));
    // With one live owner left, the reference to the missing one is removed instead.
    const kept = await until('ghost reference removed', async () => {
      const k = await cms.get('kept');
      return k.metadata?.ownerReferences?.length === 1 ? k : undefined;
    });
    expect(kept.metadata?.ownerReferences?.[0]?.uid).toBe(owner.metadata?.uid);
  });

  it('foreground: blocking dependents go first, then the owner, then the rest', async () => {
    h = await startControllers([garbageCollector]);
    const cms = h.api<ConfigMap>('ConfigMap');
    const pods = h.api<Pod>('Pod');
    await h.api<Node>('Node').create(node('node-a'));
    const owner = await cms.create({ metadata: { name: 'owner' } });
    await pods.create(pod('blocker', ownedBy(owner, true)));
    await h.client.bind((await pods.get('blocker')) as Pod, 'node-a');
    await cms.create({ metadata: { name: 'follower', ownerReferences: ownedBy(owner, false) } });

    await cms.delete('owner', { propagationPolicy: 'Foreground' });
    // The bound pod is terminating and waits for its (absent) kubelet; the owner waits for it.
    await until('blocker terminating', async () => (await pods.get('blocker')).metadata?.deletionTimestamp);
    const waiting = await cms.get('owner');
    expect(waiting.metadata?.deletionTimestamp).toBeTruthy();
    expect(waiting.metadata?.finalizers).toContain('foregroundDeletion');
    expect((await cms.get('follower')).metadata?.deletionTimestamp).toBeUndefined();

    // Playing the kubelet: the containers are gone.
    await pods.delete('blocker', { gracePeriodSeconds: 0 });
    await until('owner gone', () => isGone(cms, 'owner'));
    await until('follower gone', () => isGone(cms, 'follower'));
  });

  it('orphan: dependents lose their reference and stay', async () => {
    h = await startControllers([garbageCollector]);
    const cms = h.api<ConfigMap>('ConfigMap');
    const owner = await cms.create({ metadata: { name: 'owner' } });
    const other = await cms.create({ metadata: { name: 'other-owner' } });
    await cms.create({ metadata: { name: 'dep', ownerReferences: [...ownedBy(owner), ...ownedBy(other)] } });
    await cms.delete('owner', { propagationPolicy: 'Orphan' });
    await until('owner gone', () => isGone(cms, 'owner'));
    const dep = await cms.get('dep');
    expect(dep.metadata?.ownerReferences?.map((r) => r.name)).toEqual(['other-owner']);
  });
});

describe('pod garbage collector', () => {
  it('force-deletes pods bound to a node that no longer exists', async () => {
    h = await startControllers([podGarbageCollector]);
    const pods = h.api<Pod>('Pod');
    const nodes = h.api<Node>('Node');
    await nodes.create(node('node-a'));
    await nodes.create(node('node-b'));
    await pods.create(pod('on-a'));
    await pods.create(pod('on-b'));
    await h.client.bind(await pods.get('on-a'), 'node-a');
    await h.client.bind(await pods.get('on-b'), 'node-b');
    await nodes.delete('node-a');
    await until('on-a gone', () => isGone(pods, 'on-a'));
    expect((await pods.get('on-b')).metadata?.deletionTimestamp).toBeUndefined();
  });
});
