// The TUI's data layer and actions against a real in-process API server (HTTPS, token,
// SQLite): the model lists and watches what the overview draws, reads /readyz and the
// published profile, shows a lost server as disconnected and then reconnecting, and every
// action changes the cluster the way its CLI command does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { newControllerRef } from '../../src/api/owner-references.js';
import { profiles } from '../../src/api/profiles.js';
import { resources } from '../../src/api/resources.js';
import { rfc3339Micro } from '../../src/api/time.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { ClusterActions } from '../../src/tui/actions/cluster-actions.js';
import { ClusterModel } from '../../src/tui/data/cluster-model.js';
import type { ClusterSnapshot } from '../../src/tui/data/cluster-snapshot.js';
import { summarizeNodes } from '../../src/tui/data/node-summary.js';
import { startTestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const info = (kind: string) => resources.find((r) => r.kind === kind)!;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(dataDir?: string, port?: number) {
  const readiness = new Map([['scheduler', () => true]]);
  const server = await startTestServer({ readinessChecks: readiness, profile: profiles.k8s, dataDir, port });
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  const model = new ClusterModel(client, {
    frameIntervalMs: 20,
    healthIntervalMs: 100,
    metricsIntervalMs: 500,
  });
  cleanups.push(
    () => server.stop(),
    () => client.close(),
    () => model.stop(),
  );
  return { server, client, model };
}

function snapshotWhen(model: ClusterModel, what: string, check: (s: ClusterSnapshot) => boolean) {
  return until(what, () => check(model.getSnapshot()) && model.getSnapshot(), 20_000);
}

const node = (name: string): Node => ({
  metadata: { name, labels: { 'node.kubelab.dev/simulated': 'true' } },
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});

function deployment(image: string): Deployment {
  return {
    metadata: {
      name: 'web',
      namespace: 'default',
      annotations: { 'deployment.kubernetes.io/revision': '2' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

function replicaSet(d: Deployment, revision: number, image: string): ReplicaSet {
  const hash = `rev${revision}`;
  return {
    metadata: {
      name: `web-${hash}`,
      namespace: 'default',
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid!, controller: true },
      ],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': hash } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  };
}

function pod(name: string, nodeName: string, rs: ReplicaSet): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      ownerReferences: [newControllerRef(rs)],
    },
    spec: {
      nodeName,
      containers: [{ name: 'web', image: 'kubelab/web:1', resources: { requests: { cpu: '500m' } } }],
    },
  };
}

describe('TUI data layer against a real API server', () => {
  it('lists and watches the cluster into snapshots, with health, profile and heartbeats', async () => {
    const { client, model } = await setup();
    model.start();
    await client.resource<Node>(info('Node')).create(node('worker-1'));
    await client.resource<Lease>(info('Lease'), 'kube-node-lease').create({
      metadata: { name: 'worker-1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'worker-1', renewTime: rfc3339Micro(Date.now()) },
    });
    const d = await client
      .resource<Deployment>(info('Deployment'), 'default')
      .create(deployment('kubelab/web:2'));
    const rs = await client
      .resource<ReplicaSet>(info('ReplicaSet'), 'default')
      .create(replicaSet(d, 2, 'kubelab/web:2'));
    await client.resource<Pod>(info('Pod'), 'default').create(pod('web-a', 'worker-1', rs));

    const s = await snapshotWhen(
      model,
      'the cluster in a snapshot',
      (x) =>
        x.pods.length === 1 && x.leases.has('worker-1') && x.connection.phase === 'connected' && !!x.health,
    );
    expect(s.synced).toBe(true);
    expect(s.profilePublished).toBe(true);
    expect(s.profile.name).toBe('k8s');
    expect(s.health?.checks.map((c) => c.name)).toEqual(['ping', 'store', 'scheduler']);
    expect(s.health?.passed).toBe(true);
    const [card] = summarizeNodes(s);
    expect(card).toMatchObject({
      name: 'worker-1',
      simulated: true,
      cpu: { requested: 500, allocatable: 2000 },
    });
    expect(card!.heartbeatAgeMs).toBeLessThan(10_000);
    expect(s.deployments.map((x) => x.metadata?.name)).toEqual(['web']);

    // A kind the overview does not watch is listed once a screen asks for it.
    expect(s.objects.has('configmaps')).toBe(false);
    model.watch(info('ConfigMap'));
    await snapshotWhen(model, 'configmaps listed', (x) =>
      (x.objects.get('configmaps') ?? []).some((c) => c.metadata?.name === 'kubelab-profile'),
    );
  });

  it('shows a lost API server as disconnected, then reconnecting, then connected', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kubelab-tui-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { server, model } = await setup(dataDir);
    const port = Number(new URL(server.url).port);
    model.start();
    await snapshotWhen(model, 'connected', (s) => s.connection.phase === 'connected');
    const phases = new Set<string>();
    model.subscribe(() => phases.add(model.getSnapshot().connection.phase));

    await server.stop();
    const down = await snapshotWhen(model, 'disconnected', (s) => s.connection.phase === 'disconnected');
    expect(down.connection.error).toBeTruthy();
    // The last known objects stay on screen while the server is away.
    expect(down.nodes).toEqual([]);
    expect(down.objects.get('namespaces')?.length).toBeGreaterThan(0);

    const restarted = await startTestServer({ dataDir, port, profile: profiles.k8s });
    cleanups.push(() => restarted.stop());
    await snapshotWhen(model, 'connected again', (s) => s.connection.phase === 'connected');
    expect(phases.has('reconnecting')).toBe(true);
  });
});

describe('TUI actions against a real API server', () => {
  async function cluster() {
    const { client, model } = await setup();
    const nodes = client.resource<Node>(info('Node'));
    await nodes.create(node('worker-1'));
    const d = await client
      .resource<Deployment>(info('Deployment'), 'default')
      .create(deployment('kubelab/web:2'));
    const rss = client.resource<ReplicaSet>(info('ReplicaSet'), 'default');
    const rs1 = await rss.create(replicaSet(d, 1, 'kubelab/web:1'));
    await rss.create(replicaSet(d, 2, 'kubelab/web:2'));
    const pods = client.resource<Pod>(info('Pod'), 'default');
    await pods.create(pod('web-a', 'worker-1', rs1));
    await pods.create(pod('web-b', 'worker-1', rs1));
    model.start();
    await snapshotWhen(model, 'synced', (s) => s.pods.length === 2);
    return { client, model, actions: new ClusterActions(client), d };
  }

  it('scale, set image, pause / resume and undo change the Deployment as the CLI does', async () => {
    const { model, actions, d } = await cluster();
    const web = () => model.getSnapshot().deployments.find((x) => x.metadata?.name === 'web')!;

    const scale = actions.scale({ resource: info('Deployment'), namespace: 'default', name: 'web' }, 5);
    expect(scale.command).toBe('kubelab scale deployment/web --replicas=5 -n default');
    expect(await scale.run()).toBe('deployment.apps/web scaled');
    await snapshotWhen(model, 'scaled', () => web().spec?.replicas === 5);

    expect(await actions.setImage(d, 'web', 'kubelab/web:3').run()).toBe('deployment.apps/web image updated');
    await snapshotWhen(
      model,
      'image set',
      () => web().spec?.template?.spec?.containers[0]?.image === 'kubelab/web:3',
    );

    expect(await actions.setPaused(web(), true).run()).toBe('deployment.apps/web paused');
    await snapshotWhen(model, 'paused', () => web().spec?.paused === true);
    await expect(actions.setPaused(web(), true).run()).rejects.toThrow(
      'deployments.apps "web" is already paused',
    );
    await expect(actions.undo(web()).run()).rejects.toThrow('you cannot rollback a paused deployment');
    expect(await actions.setPaused(web(), false).run()).toBe('deployment.apps/web resumed');
    await snapshotWhen(model, 'resumed', () => !web().spec?.paused);

    // No controller runs here, so web:3 got no ReplicaSet: revision 2 is the newest, and undo
    // goes to the one before it, web:1 (what `kubelab rollout undo` would do with these objects).
    expect(await actions.undo(web()).run()).toBe('deployment.apps/web rolled back to revision 1');
    await snapshotWhen(
      model,
      'rolled back',
      () => web().spec?.template?.spec?.containers[0]?.image === 'kubelab/web:1',
    );
  });

  it('cordon, drain and delete pod act on nodes and pods', async () => {
    const { model, actions } = await cluster();
    const worker = () => model.getSnapshot().nodes[0]!;
    expect(await actions.cordon('worker-1', true).run()).toBe('node/worker-1 cordoned');
    await snapshotWhen(model, 'cordoned', () => worker().spec?.unschedulable === true);
    expect(await actions.cordon('worker-1', true).run()).toBe('node/worker-1 already cordoned');
    expect(await actions.cordon('worker-1', false).run()).toBe('node/worker-1 uncordoned');
    await snapshotWhen(model, 'uncordoned', () => !worker().spec?.unschedulable);

    const pods = () => model.getSnapshot().pods;
    expect(await actions.deletePod(pods().find((p) => p.metadata?.name === 'web-a')!).run()).toBe(
      'pod "web-a" deleted',
    );
    // Bound to a node, the pod is deleted gracefully: its kubelet would finish the job.
    await snapshotWhen(model, 'web-a terminating', () =>
      pods().some((p) => p.metadata?.name === 'web-a' && p.metadata.deletionTimestamp),
    );

    expect(await actions.drain('worker-1').run()).toBe('node/worker-1 cordoned, 2 pod(s) evicted');
    await snapshotWhen(
      model,
      'drained',
      () => worker().spec?.unschedulable === true && pods().every((p) => p.metadata?.deletionTimestamp),
    );
  });

  it('apply creates, then reports unchanged, then configured; a refused field is named at its file:line', async () => {
    const { model, actions } = await cluster();
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-tui-apply-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'api.yaml');
    const manifest = (replicas: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: ${replicas}\n` +
      '  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n' +
      '    spec:\n      containers: [{name: api, image: kubelab/web:1}]\n' +
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata: {mode: demo}\n';
    await writeFile(file, manifest('2'));
    const plan = await actions.apply(file, 'default');
    expect(plan.command).toBe(`kubelab apply -f ${file} -n default`);
    expect(await plan.run()).toBe('deployment.apps/api created, configmap/api-config created');
    await snapshotWhen(model, 'api listed', (s) => s.deployments.some((d) => d.metadata?.name === 'api'));
    expect(await (await actions.apply(file, 'default')).run()).toBe(
      'deployment.apps/api unchanged, configmap/api-config unchanged',
    );
    await writeFile(file, manifest('4'));
    expect(await (await actions.apply(file, 'default')).run()).toBe(
      'deployment.apps/api configured, configmap/api-config unchanged',
    );
    await snapshotWhen(model, 'api scaled by apply', (s) =>
      s.deployments.some((d) => d.metadata?.name === 'api' && d.spec?.replicas === 4),
    );
    // The server refuses the Deployment; the ConfigMap after it is still applied, as kubectl does.
    await writeFile(file, manifest('-1'));
    const refused = await actions.apply(file, 'default');
    await expect(refused.run()).rejects.toThrow(
      new RegExp(
        `Error from server \\(Invalid\\)[\\s\\S]*${file}:6 spec\\.replicas: [\\s\\S]*configmap/api-config unchanged`,
      ),
    );
    expect(model.getSnapshot().deployments.find((d) => d.metadata?.name === 'api')?.spec?.replicas).toBe(4);
  });
});
