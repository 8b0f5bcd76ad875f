// The Deployment controller (with the ReplicaSet controller) against a real API server, on a
// FakeClock, with the scheduler and a SIMULATED node agent running the pods: kubelab/web:broken
// never becomes ready (a broken release). A pods informer observes every state on the way.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revisionOf } from '../../src/api/deployment-revisions.js';
import { resource } from '../../src/api/resources.js';
import { Informer } from '../../src/client/informer.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { deploymentController } from '../../src/controllers/deployment-controller.js';
import { replicaSetController } from '../../src/controllers/replicaset-controller.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
let client: ApiClient;
let observed: Informer<Pod>;

beforeAll(async () => {
  h = await startControllers([replicaSetController, deploymentController], { nodes: ['node-a'] });
  client = h.client;
  observed = new Informer<Pod>(client, resource.pods);
  observed.start();
  await observed.waitForSync();
});

afterAll(async () => {
  observed.stop();
  await h.stop();
});

const deployments = () => client.resource<Deployment>(resource.deployments, 'default');

function deployment(
  name: string,
  replicas: number,
  spec: Partial<NonNullable<Deployment['spec']>> = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'kubelab/web:1' }] },
      },
      ...spec,
    },
  };
}

function setImage(name: string, image: string) {
  return deployments().patch(
    name,
    { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } },
    'strategic',
  );
}

const livePods = (app: string): Pod[] => observed.list().filter((p) => p.metadata?.labels?.app === app);

async function replicaSetsOf(name: string): Promise<ReplicaSet[]> {
  return (
    await client.resource<ReplicaSet>(resource.replicaSets, 'default').list({ labelSelector: `app=${name}` })
  ).items;
}

async function rolledOut(name: string, replicas: number): Promise<Deployment> {
  return until(`deployment ${name} rolled out`, async () => {
    const d = await deployments().get(name);
    const s = d.status;
    const done =
      (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      s?.updatedReplicas === replicas &&
      s?.replicas === replicas &&
      s?.availableReplicas === replicas &&
      s?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable';
    return done ? d : undefined;
  });
}

describe('Deployment controller', () => {
  it('creates a ReplicaSet named by the template hash, with revision 1 and the status kube reports', async () => {
    await deployments().create(deployment('web', 3));
    const d = await rolledOut('web', 3);
    const [rs, ...others] = await replicaSetsOf('web');
    expect(others).toEqual([]);
    const hash = rs!.metadata!.labels!['pod-template-hash']!;
    expect(rs!.metadata?.name).toBe(`web-${hash}`);
    expect(rs!.spec?.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.metadata?.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
  });

  it('rolls :1 to :2 within maxSurge/maxUnavailable at every observed state, then undo restores :1 as revision 3', async () => {
    await deployments().create(
      deployment('roll', 4, {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      }),
    );
    await rolledOut('roll', 4);
    const violations: string[] = [];
    const check = () => {
      const pods = livePods('roll');
      const available = pods.filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      // Terminating pods still run until the kubelet confirms, so they count toward the total.
      if (pods.length > 4 + 1) violations.push(`total ${pods.length} > 5`);
      if (available < 4 - 1) violations.push(`available ${available} < 3`);
    };
    const off = observed.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    await setImage('roll', 'kubelab/web:2');
    await rolledOut('roll', 4);
    off();
    expect(violations).toEqual([]);
    const images = livePods('roll').map((p) => p.spec?.containers[0]?.image);
    expect(images).toEqual(Array(4).fill('kubelab/web:2'));
    const rss = await replicaSetsOf('roll');
    expect(
      rss
        .map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, revisionOf(rs), rs.spec?.replicas])
        .sort(),
    ).toEqual([
      ['kubelab/web:1', 1, 0],
      ['kubelab/web:2', 2, 4],
    ]);

    // kubectl rollout undo: copy revision 1's template back; that ReplicaSet becomes revision 3.
    await setImage('roll', 'kubelab/web:1');
    const d = await rolledOut('roll', 4);
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    const after = await replicaSetsOf('roll');
    const v1 = after.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'kubelab/web:1')!;
    expect(revisionOf(v1)).toBe(3);
    expect(v1.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(after).toHaveLength(2);
  });

  it('makes no rollout progress while paused, and finishes after resume', async () => {
    await deployments().create(deployment('paused', 2));
    await rolledOut('paused', 2);
    await deployments().patch('paused', { spec: { paused: true } }, 'merge');
    await until('DeploymentPaused', async () => {
      const d = await deployments().get('paused');
      return d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused';
    });
    await setImage('paused', 'kubelab/web:2');
    // The controller observes the new generation without starting a new ReplicaSet.
    const d = await until('paused generation observed', async () => {
      const d = await deployments().get('paused');
      return d.status?.observedGeneration === d.metadata?.generation ? d : undefined;
    });
    expect(d.status?.updatedReplicas ?? 0).toBe(0);
    expect(await replicaSetsOf('paused')).toHaveLength(1);
    await deployments().patch('paused', { spec: { paused: false } }, 'merge');
    await rolledOut('paused', 2);
    expect(livePods('paused').map((p) => p.spec?.containers[0]?.image)).toEqual([
      'kubelab/web:2',
      'kubelab/web:2',
    ]);
  });

  it('reports ProgressDeadlineExceeded when the new pods never become ready', async () => {
    await deployments().create(deployment('stuck', 2, { progressDeadlineSeconds: 2 }));
    await rolledOut('stuck', 2);
    await setImage('stuck', 'kubelab/web:broken');
    const progressing = async () =>
      (await deployments().get('stuck')).status?.conditions?.find((c) => c.type === 'Progressing');
    await until('the new ReplicaSet', async () => (await replicaSetsOf('stuck')).length === 2);
    await h.settled();
    // Inside the 2 s deadline the rollout is still progressing; past it, it has timed out.
    expect((await progressing())?.reason).toBe('ReplicaSetUpdated');
    await h.advance(3_000);
    const cond = await until('ProgressDeadlineExceeded', async () => {
      const c = await progressing();
      return c?.reason === 'ProgressDeadlineExceeded' ? c : undefined;
    });
    expect(cond.status).toBe('False');
    expect(cond.message).toMatch(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
    // maxUnavailable 25% of 2 rounds down to 0: the old pods keep serving.
    const ready = livePods('stuck').filter((p) => p.spec?.containers[0]?.image === 'kubelab/web:1');
    expect(ready).toHaveLength(2);
  });

  it('Recreate never runs old and new pods at the same time', async () => {
    await deployments().create(deployment('recreate', 3, { strategy: { type: 'Recreate' } }));
    await rolledOut('recreate', 3);
    const overlaps: string[] = [];
    const check = () => {
      const images = new Set(livePods('recreate').map((p) => p.spec?.containers[0]?.image));
      if (images.size > 1) overlaps.push([...images].join(','));
    };
    const off = observed.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    await setImage('recreate', 'kubelab/web:2');
    await rolledOut('recreate', 3);
    off();
    expect(overlaps).toEqual([]);
    expect(livePods('recreate').map((p) => p.spec?.containers[0]?.image)).toEqual(
      Array(3).fill('kubelab/web:2'),
    );
  });
});
