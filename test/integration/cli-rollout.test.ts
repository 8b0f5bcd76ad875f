// `kubelab rollout|scale|set image` (built bundle) against a real API server with the
// ReplicaSet and Deployment controllers running on a FakeClock, the scheduler, and a SIMULATED
// node agent running the pods (kubelab/web:broken never becomes ready).
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { deploymentController } from '../../src/controllers/deployment-controller.js';
import { replicaSetController } from '../../src/controllers/replicaset-controller.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';
import { kubelab, startKubelab } from '../helpers/run-command.js';

let h: ControllerHarness;
let client: ApiClient;
const k = (...args: string[]) => kubelab(['--kubeconfig', h.server.kubeconfigPath, ...args]);

beforeAll(async () => {
  h = await startControllers([replicaSetController, deploymentController], { nodes: ['node-a'] });
  client = h.client;
});

afterAll(async () => {
  await h.stop();
});

function deployment(name: string, spec: Partial<NonNullable<Deployment['spec']>> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'kubelab/web:1' }] },
      },
      ...spec,
    },
  };
}

const imagesOf = async (name: string) =>
  (
    await client.resource<Deployment>(resource.deployments, 'default').get(name)
  ).spec?.template?.spec?.containers.map((c) => c.image);

describe('kubelab rollout, scale, set image', () => {
  it('set image, rollout status, history and undo behave like kubectl', async () => {
    await client.resource<Deployment>(resource.deployments, 'default').create(deployment('web'));
    const first = await k('rollout', 'status', 'deploy/web', '--timeout=20s');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');

    const set = await k('set', 'image', 'deploy/web', 'web=kubelab/web:2');
    expect(set).toMatchObject({ code: 0, stdout: 'deployment.apps/web image updated\n' });
    const status = await k('rollout', 'status', 'deployment/web', '--timeout=20s');
    expect(status.code).toBe(0);
    for (const line of status.stdout.trim().split('\n').slice(0, -1))
      expect(line).toMatch(
        /^Waiting for (deployment "web" rollout to finish: .+\.\.\.|deployment spec update to be observed\.\.\.)$/,
      );
    expect(status.stdout).toMatch(/deployment "web" successfully rolled out\n$/);

    const history = await k('rollout', 'history', 'deploy/web');
    expect(history.stdout).toBe(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n',
    );
    const rev1 = await k('rollout', 'history', 'deploy/web', '--revision', '1');
    expect(rev1.stdout).toMatch(/^deployment.apps\/web with revision #1\nPod Template:\n/);
    expect(rev1.stdout).toContain('kubelab/web:1');

    const undo = await k('rollout', 'undo', 'deploy/web');
    expect(undo).toMatchObject({ code: 0, stdout: 'deployment.apps/web rolled back\n' });
    expect(await imagesOf('web')).toEqual(['kubelab/web:1']);
    expect((await k('rollout', 'status', 'deploy/web', '--timeout=20s')).code).toBe(0);
    // kubectl's numbering: the template of revision 1 comes back as revision 3.
    expect((await k('rollout', 'history', 'deploy/web')).stdout).toBe(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
    );
    const to2 = await k('rollout', 'undo', 'deploy/web', '--to-revision=2');
    expect(to2.stdout).toBe('deployment.apps/web rolled back\n');
    expect(await imagesOf('web')).toEqual(['kubelab/web:2']);
    const missing = await k('rollout', 'undo', 'deploy/web', '--to-revision=9');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: unable to find specified revision 9 in history\n');
  });

  it('scale resizes through /scale; pause, resume and restart patch the deployment', async () => {
    await client.resource<Deployment>(resource.deployments, 'default').create(deployment('api'));
    expect((await k('scale', 'deploy/api', '--replicas=3')).stdout).toBe('deployment.apps/api scaled\n');
    await until(
      '3 pods',
      async () =>
        (await client.resource<Pod>(resource.pods, 'default').list({ labelSelector: 'app=api' })).items
          .length === 3,
    );
    const bad = await k('scale', 'deploy/api', '--replicas=1', '--current-replicas=5');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: Expected replicas to be 5, was 3\n');

    expect((await k('rollout', 'pause', 'deploy/api')).stdout).toBe('deployment.apps/api paused\n');
    expect((await k('rollout', 'pause', 'deploy/api')).stderr).toBe(
      'error: deployments.apps "api" is already paused\n',
    );
    const undoPaused = await k('rollout', 'undo', 'deploy/api');
    expect(undoPaused.code).toBe(1);
    expect((await k('rollout', 'resume', 'deploy/api')).stdout).toBe('deployment.apps/api resumed\n');

    expect((await k('rollout', 'restart', 'deploy/api')).stdout).toBe('deployment.apps/api restarted\n');
    const d = await client.resource<Deployment>(resource.deployments, 'default').get('api');
    expect(d.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect((await k('rollout', 'status', 'deploy/api', '--timeout=20s')).code).toBe(0);
  });

  it('rollout status fails with kubectl error when the progress deadline is exceeded', async () => {
    await client
      .resource<Deployment>(resource.deployments, 'default')
      .create(deployment('stuck', { progressDeadlineSeconds: 2 }));
    expect((await k('rollout', 'status', 'deploy/stuck', '--timeout=20s')).code).toBe(0);
    await k('set', 'image', 'deploy/stuck', 'web=kubelab/web:broken');
    await h.settled();
    // rollout status waits on the stuck rollout until the (FakeClock's) deadline passes.
    const running = startKubelab([
      '--kubeconfig',
      h.server.kubeconfigPath,
      'rollout',
      'status',
      'deploy/stuck',
      '--timeout=20s',
    ]);
    await until('rollout status waiting', () =>
      running.output().stdout.includes('new replicas have been updated'),
    );
    await h.advance(3_000);
    const status = await running.result;
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('error: deployment "stuck" exceeded its progress deadline\n');
    expect(status.stdout).toContain(
      'Waiting for deployment "stuck" rollout to finish: 1 out of 2 new replicas have been updated...',
    );
  });
});
