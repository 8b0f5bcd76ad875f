// The Node authorizer's graph and NodeRestriction admission against a real API server, with
// node credentials obtained through the join exchange: a node reads only the Secrets and
// ConfigMaps its own pods name, may not relabel itself into a role or drop its taints, reads
// no pod logs, and a join token cannot take over a node that is Ready (409 naming it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNodeKubeconfig } from '../../src/agent/node-credentials.js';
import { buildKubeconfig, loadKubeconfig } from '../../src/client/kubeconfig.js';
import { raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let dir: string;
const tokens = new Map<string, string>();

async function joinAs(node: string): Promise<string> {
  const jt = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/jointokens', { body: {} });
  const admin = loadKubeconfig(server.kubeconfigPath);
  const bootstrap = join(dir, `${node}.bootstrap`);
  await writeFile(
    bootstrap,
    buildKubeconfig({
      server: admin.server,
      caData: admin.caData!,
      token: jt.json.token,
      clusterName: 'kubelab',
    }),
  );
  const kubeconfig = join(dir, `${node}.kubeconfig`);
  await ensureNodeKubeconfig(node, kubeconfig, bootstrap);
  return loadKubeconfig(kubeconfig).token!;
}

const as = (node: string, method: string, path: string, body?: unknown) =>
  raw(server, method, path, {
    token: tokens.get(node)!,
    body,
    contentType: method === 'PATCH' ? 'application/merge-patch+json' : undefined,
  });

const readyStatus = {
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }] },
};

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'kubelab-noderestriction-'));
  for (const node of ['node-a', 'node-b']) {
    tokens.set(node, await joinAs(node));
    const created = await as(node, 'POST', '/api/v1/nodes', {
      metadata: { name: node, labels: { 'kubernetes.io/hostname': node } },
      spec: { taints: [{ key: 'dedicated', value: 'lab', effect: 'NoSchedule' }] },
    });
    expect(created.status).toBe(201);
  }
  for (const [name, node, secret] of [
    ['pod-a', 'node-a', 'secret-a'],
    ['pod-b', 'node-b', 'secret-b'],
  ] as const) {
    await raw(server, 'POST', '/api/v1/namespaces/default/secrets', {
      body: { metadata: { name: secret }, stringData: { password: name } },
    });
    const pod = await raw(server, 'POST', '/api/v1/namespaces/default/pods', {
      body: {
        metadata: { name },
        spec: {
          nodeName: node,
          containers: [
            {
              name: 'c',
              image: 'kubelab/web:1',
              env: [{ name: 'P', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }],
              envFrom: [{ configMapRef: { name: `config-${node}` } }],
            },
          ],
        },
      },
    });
    expect(pod.status).toBe(201);
    await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: `config-${node}` }, data: { k: 'v' } },
    });
  }
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the Node authorizer graph', () => {
  it("lets a node read the Secret its own pod names, and not another node's (403)", async () => {
    expect((await as('node-a', 'GET', '/api/v1/namespaces/default/secrets/secret-a')).status).toBe(200);
    const other = await as('node-a', 'GET', '/api/v1/namespaces/default/secrets/secret-b');
    expect(other.status).toBe(403);
    expect(other.json.message).toBe(
      `secrets "secret-b" is forbidden: User "system:node:node-a" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-a' and this object`,
    );
    expect((await as('node-a', 'GET', '/api/v1/namespaces/default/configmaps/config-node-a')).status).toBe(
      200,
    );
    expect((await as('node-a', 'GET', '/api/v1/namespaces/default/configmaps/config-node-b')).status).toBe(
      403,
    );
  });

  it('refuses lists and watches of Secrets and ConfigMaps, which would hand out all of them', async () => {
    for (const path of [
      '/api/v1/secrets',
      '/api/v1/namespaces/default/secrets',
      '/api/v1/namespaces/default/secrets?watch=true',
      '/api/v1/namespaces/default/configmaps',
    ])
      expect((await as('node-a', 'GET', path)).status, path).toBe(403);
  });

  it('still reads the published timing profile every agent starts with', async () => {
    expect(
      (await as('node-a', 'GET', '/api/v1/namespaces/kube-system/configmaps/kubelab-profile')).status,
    ).toBe(200);
  });

  it("reads no pod logs, its own pods' or others'", async () => {
    for (const pod of ['pod-a', 'pod-b'])
      expect((await as('node-a', 'GET', `/api/v1/namespaces/default/pods/${pod}/log`)).status).toBe(403);
  });
});

describe('tokens for ServiceAccounts', () => {
  it('a node gets a token only bound to a pod scheduled on itself', async () => {
    await raw(server, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
      body: { metadata: { name: 'robot' } },
    });
    const uids = new Map<string, string>();
    for (const node of ['node-a', 'node-b']) {
      const pod = await raw(server, 'POST', '/api/v1/namespaces/default/pods', {
        body: {
          metadata: { name: `robot-${node}` },
          spec: {
            nodeName: node,
            serviceAccountName: 'robot',
            containers: [{ name: 'c', image: 'kubelab/web:1' }],
          },
        },
      });
      expect(pod.status).toBe(201);
      uids.set(node, pod.json.metadata.uid);
    }
    const tokenFor = (node: string, podNode: string) =>
      as(node, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: `robot-${podNode}`, uid: uids.get(podNode) },
        },
      });
    expect((await tokenFor('node-b', 'node-b')).status).toBe(201);
    // node-b runs a pod of this ServiceAccount, so the graph lets it ask; the body binds the
    // token to node-a's pod, which NodeRestriction refuses.
    const foreign = await tokenFor('node-b', 'node-a');
    expect(foreign.status).toBe(403);
    expect(foreign.json.message).toContain(
      'node requested token bound to a pod scheduled on a different node',
    );
  });
});

describe('NodeRestriction', () => {
  it('refuses node-role and node-restriction labels, on its own Node, at registration and after', async () => {
    const role = await as('node-a', 'PATCH', '/api/v1/nodes/node-a', {
      metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } },
    });
    expect(role.status).toBe(403);
    expect(role.json.message).toContain(
      'is not allowed to modify labels: node-role.kubernetes.io/control-plane',
    );
    const restricted = await as('node-a', 'PATCH', '/api/v1/nodes/node-a', {
      metadata: { labels: { 'node-restriction.kubernetes.io/pool': 'gpu' } },
    });
    expect(restricted.status).toBe(403);
    // The labels a kubelet reports about itself, and labels outside kubernetes.io, are its own.
    const fine = await as('node-a', 'PATCH', '/api/v1/nodes/node-a', {
      metadata: { labels: { 'topology.kubernetes.io/zone': 'z1', 'example.com/rack': '7' } },
    });
    expect(fine.status).toBe(200);

    tokens.set('node-c', await joinAs('node-c'));
    const create = await as('node-c', 'POST', '/api/v1/nodes', {
      metadata: { name: 'node-c', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    });
    expect(create.status).toBe(403);
    expect(create.json.message).toContain(
      'node "node-c" is not allowed to set the following labels: node-role.kubernetes.io/control-plane',
    );
  });

  it('sets its taints when it registers, never after', async () => {
    const untaint = await as('node-a', 'PATCH', '/api/v1/nodes/node-a', { spec: { taints: null } });
    expect(untaint.status).toBe(403);
    expect(untaint.json.message).toContain('node "node-a" is not allowed to modify taints');
    const node = await raw(server, 'GET', '/api/v1/nodes/node-a');
    expect(node.json.spec.taints).toEqual([{ key: 'dedicated', value: 'lab', effect: 'NoSchedule' }]);
    expect(node.json.metadata.labels['node-role.kubernetes.io/control-plane']).toBeUndefined();
    // Its status is still its own to report.
    expect((await as('node-a', 'PATCH', '/api/v1/nodes/node-a/status', readyStatus)).status).toBe(200);
  });

  it('creates only the Lease named after itself', async () => {
    const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const foreign = await as('node-a', 'POST', path, { metadata: { name: 'node-b' }, spec: {} });
    expect(foreign.status).toBe(403);
    expect(foreign.json.message).toContain(
      'can only access node lease with the same name as the requesting node',
    );
    expect((await as('node-a', 'POST', path, { metadata: { name: 'node-a' }, spec: {} })).status).toBe(201);
  });
});

describe('joining over a live node', () => {
  it('refuses a join token for a Node that exists and is Ready, with a 409 naming it', async () => {
    expect((await as('node-b', 'PATCH', '/api/v1/nodes/node-b/status', readyStatus)).status).toBe(200);
    const jt = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/jointokens', { body: {} });
    const taken = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/nodecredentials', {
      token: jt.json.token,
      body: { nodeName: 'node-b' },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.message).toContain('node "node-b" already exists and is Ready');
    // node-b's own credential still works.
    expect((await as('node-b', 'GET', '/api/v1/nodes/node-b')).status).toBe(200);
    // A node that is not Ready (a machine being replaced) can be joined again.
    const again = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/nodecredentials', {
      token: jt.json.token,
      body: { nodeName: 'node-c' },
    });
    expect(again.status).toBe(201);
  });
});
