import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
// The ReplicaSet controller against a real API server, on a FakeClock, with the scheduler and a
// SIMULATED node agent running its pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { replicaSetController } from '../../src/controllers/replicaset-controller.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  h = await startControllers([replicaSetController], { nodes: ['node-a'] });
  client = h.client;
});

afterAll(async () => {
  await h.stop();
});

function replicaSet(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'kubelab/web:1' }] },
      },
    },
  };
}

const podsOf = async (app: string) =>
  (await client.resource<Pod>(resource.pods, 'default').list({ labelSelector: `app=${app}` })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );

describe('ReplicaSet controller', () => {
  it('creates pods up to replicas, reports status, replaces a deleted pod and scales down', async () => {
    const rsApi = client.resource<ReplicaSet>(resource.replicaSets, 'default');
    const rs = await rsApi.create(replicaSet('web', 3));
    const owned = await until('3 pods', async () => {
      const ps = await podsOf('web');
      return ps.length === 3 && ps;
    });
    for (const p of owned) {
      expect(p.metadata?.generateName).toBe('web-');
      expect(p.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const ready = await until('status with 3 ready', async () => {
      const s = (await rsApi.get('web')).status;
      return s?.readyReplicas === 3 && s.availableReplicas === 3 ? s : undefined;
    });
    expect(ready).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });

    // A deleted pod (Terminating until the kubelet confirms) is replaced.
    const victim = owned[0]!;
    await client.resource<Pod>(resource.pods, 'default').delete(victim.metadata!.name!);
    await until('a replacement pod', async () => {
      const ps = await podsOf('web');
      return ps.length === 3 && !ps.some((p) => p.metadata?.uid === victim.metadata?.uid);
    });

    await rsApi.patch('web', { spec: { replicas: 1 } }, 'merge');
    await until('scale down to 1', async () => {
      const all = (await client.resource<Pod>(resource.pods, 'default').list({ labelSelector: 'app=web' }))
        .items;
      return all.length === 1;
    });
    const events = (await client.resource<Event>(resource.events, 'default').list()).items.filter(
      (e) => e.involvedObject.name === 'web' && e.source?.component === 'replicaset-controller',
    );
    expect(
      events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-\w{5}$/.test(e.message ?? '')),
    ).toBe(true);
    expect(
      events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-\w{5}$/.test(e.message ?? '')),
    ).toBe(true);
  });

  it('adopts a matching orphan pod instead of creating one, and releases a pod whose labels stop matching', async () => {
    const podApi = client.resource<Pod>(resource.pods, 'default');
    const orphan = await podApi.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: 'default', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'web', image: 'kubelab/web:1' }] },
    });
    const rs = await client
      .resource<ReplicaSet>(resource.replicaSets, 'default')
      .create(replicaSet('adopt', 2));
    await until('2 pods', async () => (await podsOf('adopt')).length === 2);
    const adopted = await until('adoption', async () => {
      const p = await podApi.get('orphan');
      return p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid ? p : undefined;
    });
    expect(adopted.metadata?.uid).toBe(orphan.metadata?.uid);
    expect(adopted.metadata?.ownerReferences?.[0]).toMatchObject({
      controller: true,
      blockOwnerDeletion: true,
    });

    await podApi.patch('orphan', { metadata: { labels: { app: 'elsewhere' } } }, 'merge');
    await until('release', async () => !(await podApi.get('orphan')).metadata?.ownerReferences?.length);
    await until('a pod replacing the released one', async () => (await podsOf('adopt')).length === 2);
  });
});
