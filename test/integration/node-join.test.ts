// Joining a node and what its credential may do: an admin issues a join token, a real agent
// process (`kubelab agent --bootstrap-kubeconfig`, SIMULATED runtime) exchanges it for its own
// credential and registers; that credential may change only its own Node, Lease and the pods
// bound to it (403 with kube's words otherwise); join tokens expire and do nothing else; a
// node that joins again replaces its old credential; only a node gets a kubelet serving
// certificate, and always in its own name.
// @peculiar/x509 (the CSRs below) needs the Reflect metadata API loaded before it.
import 'reflect-metadata';

import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requestServingCertificate } from '../../src/agent/kubelet-serving-cert.js';
import { ensureNodeKubeconfig } from '../../src/agent/node-credentials.js';
import { buildKubeconfig, loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { ecdsaSigning, newKeyPair, subjectAltNames } from '../../src/client/x509-keys.js';
import { raw } from '../helpers/raw-request.js';
import { kubelabCli } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

let server: TestServer;
let dir: string;
let agent: ChildProcess | undefined;

async function joinToken(ttlSeconds?: number): Promise<string> {
  const r = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/jointokens', {
    body: ttlSeconds ? { ttlSeconds } : {},
  });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

async function bootstrapKubeconfig(token: string, name: string): Promise<string> {
  const admin = loadKubeconfig(server.kubeconfigPath);
  const path = join(dir, `${name}.bootstrap.kubeconfig`);
  await writeFile(
    path,
    buildKubeconfig({
      server: admin.server,
      caData: admin.caData!,
      token,
      clusterName: 'kubelab',
      userName: 'bootstrap',
    }),
  );
  return path;
}

const tokenOf = async (kubeconfig: string) => loadKubeconfig(kubeconfig).token!;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'kubelab-join-'));
});

afterAll(async () => {
  agent?.kill('SIGKILL');
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('joining nodes', () => {
  it('a real agent joins with a join token and registers Ready with its own credential', async () => {
    const bootstrap = await bootstrapKubeconfig(await joinToken(), 'worker-1');
    const kubeconfig = join(dir, 'worker-1.kubeconfig');
    agent = spawn(
      process.execPath,
      [
        kubelabCli,
        'agent',
        '--runtime',
        'sim',
        '--node-name',
        'worker-1',
        '--kubeconfig',
        kubeconfig,
        '--bootstrap-kubeconfig',
        bootstrap,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    agent.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until('the agent registered', async () => out.includes('registered and Ready'), 30_000);
    expect(out).toContain(`node worker-1 joined; its credential is in ${kubeconfig}`);
    expect(loadKubeconfig(kubeconfig).userName).toBe('system:node:worker-1');
    expect(await stat600(kubeconfig)).toBe(true);
    const node = await raw(server, 'GET', '/api/v1/nodes/worker-1');
    expect(node.json.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
  });

  it("lets a node change only its own objects, with kube's messages", async () => {
    const token = await tokenOf(join(dir, 'worker-1.kubeconfig'));
    const asNode = (method: string, path: string, body?: unknown) =>
      raw(server, method, path, {
        token,
        body,
        contentType: method === 'PATCH' ? 'application/merge-patch+json' : undefined,
      });
    // Another node, and a pod bound to it, created by the admin.
    await raw(server, 'POST', '/api/v1/nodes', { body: { metadata: { name: 'worker-2' } } });
    await raw(server, 'POST', '/api/v1/namespaces/default/pods', {
      body: {
        metadata: { name: 'elsewhere' },
        spec: { nodeName: 'worker-2', containers: [{ name: 'c', image: 'kubelab/web:1' }] },
      },
    });

    expect((await asNode('GET', '/api/v1/pods')).status).toBe(200);
    expect((await asNode('GET', '/api/v1/namespaces/default/secrets')).status).toBe(403);
    expect(
      (await asNode('PATCH', '/api/v1/nodes/worker-1', { metadata: { labels: { zone: 'a' } } })).status,
    ).toBe(200);

    const other = await asNode('PATCH', '/api/v1/nodes/worker-2', { metadata: { labels: { zone: 'b' } } });
    expect(other.status).toBe(403);
    expect(other.json.message).toBe(
      'nodes "worker-2" is forbidden: User "system:node:worker-1" cannot patch resource "nodes" in API group "" at the cluster scope: node "worker-1" cannot modify node "worker-2"',
    );
    const create = await asNode('POST', '/api/v1/nodes', { metadata: { name: 'worker-9' } });
    expect(create.status).toBe(403);
    const status = await asNode('PATCH', '/api/v1/namespaces/default/pods/elsewhere/status', {
      status: { phase: 'Failed' },
    });
    expect(status.status).toBe(403);
    expect(status.json.message).toContain('pod is not bound to node "worker-1"');
    expect((await asNode('DELETE', '/api/v1/namespaces/default/pods/elsewhere')).status).toBe(403);
    const pod = await asNode('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'mine' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    expect(pod.status).toBe(403);
    const lease = await asNode(
      'PATCH',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-2',
      { spec: {} },
    );
    expect(lease.status).toBe(403);
    expect((await asNode('POST', '/apis/join.kubelab.dev/v1/jointokens', {})).status).toBe(403);
    // Nothing it was refused changed anything.
    const w2 = await raw(server, 'GET', '/api/v1/nodes/worker-2');
    expect((w2.json as Node).metadata?.labels?.zone).toBeUndefined();
    expect(
      ((await raw(server, 'GET', '/api/v1/namespaces/default/pods/elsewhere')).json as Pod).status?.phase,
    ).not.toBe('Failed');
  });

  it('join tokens only join, and expire', async () => {
    const token = await joinToken(1);
    expect((await raw(server, 'GET', '/api/v1/pods', { token })).status).toBe(403);
    // The token's second passes on the (in-process) server's wall clock, moved, not waited for.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1_100 });
    try {
      expect((await raw(server, 'GET', '/api/v1/pods', { token })).status).toBe(401);
      const bootstrap = await bootstrapKubeconfig(token, 'late');
      await expect(ensureNodeKubeconfig('late', join(dir, 'late.kubeconfig'), bootstrap)).rejects.toThrow(
        /node late could not join with .*late\.bootstrap\.kubeconfig: .*Unauthorized.*expired join token/,
      );
    } finally {
      vi.useRealTimers();
    }
    const bad = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/nodecredentials', {
      token: await joinToken(),
      body: { nodeName: 'Not_A_Name' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('nodeName');
  });

  it('a node that joins again gets a new credential and the old one stops working', async () => {
    const first = join(dir, 'again-1.kubeconfig');
    const second = join(dir, 'again-2.kubeconfig');
    await ensureNodeKubeconfig('again', first, await bootstrapKubeconfig(await joinToken(), 'again'));
    const old = await tokenOf(first);
    expect((await raw(server, 'GET', '/api/v1/nodes', { token: old })).status).toBe(200);
    expect((await ensureNodeKubeconfig('again', first, 'ignored-when-present')).joined).toBe(false);
    await ensureNodeKubeconfig('again', second, await bootstrapKubeconfig(await joinToken(), 'again'));
    expect((await raw(server, 'GET', '/api/v1/nodes', { token: old })).status).toBe(401);
    expect((await raw(server, 'GET', '/api/v1/nodes', { token: await tokenOf(second) })).status).toBe(200);
  });
});

describe('kubelet serving certificates', () => {
  const path = '/apis/join.kubelab.dev/v1/servingcertificates';
  async function csr(subject: string, names: string[]): Promise<string> {
    const request = await x509.Pkcs10CertificateRequestGenerator.create({
      name: subject,
      keys: await newKeyPair(),
      signingAlgorithm: ecdsaSigning,
      extensions: [subjectAltNames(names)],
    });
    return request.toString('pem');
  }

  it("are issued by the cluster CA in the calling node's name, whatever the request says", async () => {
    const token = await tokenOf(join(dir, 'worker-1.kubeconfig'));
    const r = await raw(server, 'POST', path, {
      token,
      body: { csr: await csr('O=system:masters, CN=system:node:worker-2', ['10.1.2.3', 'worker-1']) },
    });
    expect(r.status).toBe(201);
    const cert = new NodeX509(r.json.certificate);
    expect(cert.subject.split('\n').sort()).toEqual(['CN=system:node:worker-1', 'O=system:nodes']);
    expect(cert.subjectAltName).toBe('IP Address:10.1.2.3, DNS:worker-1');
    expect(cert.checkIssued(new NodeX509(loadKubeconfig(server.kubeconfigPath).caData!))).toBe(true);
  });

  it('are refused to callers that are not nodes, and to requests that are not CSRs', async () => {
    const body = { csr: await csr('CN=system:node:worker-1', ['127.0.0.1']) };
    const admin = await raw(server, 'POST', path, { body });
    expect(admin.status).toBe(403);
    expect(admin.json.message).toContain('only a node, with its own credential, may ask for one');
    // An agent started with the admin's kubeconfig is told what to do instead.
    const asAdmin = ApiClient.fromKubeconfig(server.kubeconfigPath);
    await expect(requestServingCertificate(asAdmin, 'worker-1', ['127.0.0.1'])).rejects.toThrow(
      /node worker-1 cannot get a kubelet serving certificate .* \(join with --bootstrap-kubeconfig\)/,
    );
    asAdmin.close();
    expect((await raw(server, 'POST', path, { token: await joinToken(), body })).status).toBe(403);
    const token = await tokenOf(join(dir, 'worker-1.kubeconfig'));
    const notCsr = await raw(server, 'POST', path, { token, body: { csr: 'hello' } });
    expect(notCsr.status).toBe(400);
    const badName = await raw(server, 'POST', path, {
      token,
      body: { csr: await csr('CN=x', ['Not_A_Name']) },
    });
    expect(badName.status).toBe(400);
    expect(badName.json.message).toContain('dns:Not_A_Name is not a DNS name or an IP address');
  });
});

async function stat600(path: string): Promise<boolean> {
  return ((await stat(path)).mode & 0o777) === 0o600;
}
