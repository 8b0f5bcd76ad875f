import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { resource } from '../../src/api/resources.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { replicaSetController } from '../../src/controllers/replicaset-controller.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { eventually, startTestKubelet, type TestKubelet } from './deployment-test-kubelet.js';

let server: TestServer;
let client: ApiClient;
let manager: ControllerManager;
let kubelet: TestKubelet;

beforeAll(async () => {
  server = await startTestServer();
  client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  kubelet = await startTestKubelet(client);
  manager = new ControllerManager({
    client,
    profile: profiles.lab,
    factories: [replicaSetController],
    log: () => {},
  });
  await manager.start();
});

afterAll(async () => {
  await manager.stop();
  await kubelet.stop();
  client.close();
  await server.stop();
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

const podsOf = (app: string) =>
  kubelet.pods.list().filter((p) => p.metadata?.labels?.app === app && !p.metadata?.deletionTimestamp);

describe('ReplicaSet controller', () => {
  it('creates pods up to replicas, reports status, replaces a deleted pod and scales down', async () => {
    const rsApi = client.resource<ReplicaSet>(resource.replicaSets, 'default');
    const rs = await rsApi.create(replicaSet('web', 3));
    await eventually(() => podsOf('web').length === 3, '3 pods');
    const owned = podsOf('web');
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
    const ready = await eventually(async () => {
      const s = (await rsApi.get('web')).status;
      return s?.readyReplicas === 3 && s.availableReplicas === 3 ? s : undefined;
    }, 'status with 3 ready');
    expect(ready).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });

    // A deleted pod (Terminating until the kubelet confirms) is replaced.
    const victim = owned[0]!;
    await client.resource<Pod>(resource.pods, 'default').delete(victim.metadata!.name!);
    await eventually(
      () =>
        podsOf('web').length === 3 && !podsOf('web').some((p) => p.metadata?.uid === victim.metadata?.uid),
      'a replacement pod',
    );

    await rsApi.patch('web', { spec: { replicas: 1 } }, 'merge');
    await eventually(async () => {
      const all = (await client.resource<Pod>(resource.pods, 'default').list({ labelSelector: 'app=web' }))
        .items;
      return all.length === 1;
    }, 'scale down to 1');
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
    await eventually(() => podsOf('adopt').length === 2, '2 pods');
    const adopted = await eventually(async () => {
      const p = await podApi.get('orphan');
      return p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid ? p : undefined;
    }, 'adoption');
    expect(adopted.metadata?.uid).toBe(orphan.metadata?.uid);
    expect(adopted.metadata?.ownerReferences?.[0]).toMatchObject({
      controller: true,
      blockOwnerDeletion: true,
    });

    await podApi.patch('orphan', { metadata: { labels: { app: 'elsewhere' } } }, 'merge');
    await eventually(async () => !(await podApi.get('orphan')).metadata?.ownerReferences?.length, 'release');
    await eventually(() => podsOf('adopt').length === 2, 'a pod replacing the released one');
  });
});
