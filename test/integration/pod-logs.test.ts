// pods/{name}/log end to end with the SIMULATED runtime: the API server proxies to the
// agent's HTTPS endpoint (KubeletServer) as itself, with its kubelet client certificate, after
// checking the kubelet's serving certificate is its node's; the agent streams the container's log. Real API server, real agent, real TLS, real
// kubectl; only the containers are simulated (their log lines say SIMULATED).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NodeHostInformers } from '../../src/agent/hosts/node-host.js';
import { KubeletServer } from '../../src/agent/kubelet-server.js';
import { requestServingCertificate } from '../../src/agent/kubelet-serving-cert.js';
import { NodeAgent } from '../../src/agent/node-agent.js';
import { SimRuntime, simRuntimeVersion } from '../../src/agent/runtime/sim.js';
import { profiles } from '../../src/api/profiles.js';
import { resource } from '../../src/api/resources.js';
import { ClusterCa } from '../../src/apiserver/pki.js';
import { registerLogs } from '../../src/cli/commands/logs.js';
import { realClock } from '../../src/client/clock.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { newKeyPair, privateKeyPem } from '../../src/client/x509-keys.js';
import { raw } from '../helpers/raw-request.js';
import { runCommand } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const nodeName = 'logs-node';
const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

let server: TestServer;
let client: ApiClient;
let nodeClient: ApiClient;
let kubelet: KubeletServer;
let agent: NodeAgent;
let informers: NodeHostInformers;
let runtime: SimRuntime | undefined;

const pods = () => client.resource<Pod>(resource.pods, 'default');
const logPath = (pod: string, query = '') => `/api/v1/namespaces/default/pods/${pod}/log${query}`;

async function runningPod(name: string, containers: { name: string; image: string }[]): Promise<Pod> {
  const pod = await pods().create({ metadata: { name, namespace: 'default' }, spec: { containers } });
  await client.bind(pod, nodeName);
  return until(`${name} running`, async () => {
    const p = await pods().get(name);
    return p.status?.containerStatuses?.every((s) => s.state?.running) && p;
  });
}

/** Opens a streaming GET and hands back the text so far, and a way to wait for more. */
function openStream(path: string) {
  const ca = loadKubeconfig(server.kubeconfigPath).caData;
  let text = '';
  let ended = false;
  const req = request(new URL(path, server.url), {
    headers: { authorization: `Bearer ${server.token}` },
    ca,
  });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      res.on('end', () => {
        ended = true;
      });
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    response,
    text: () => text,
    ended: () => ended,
    close: () => req.destroy(),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  nodeClient = await server.nodeClient(nodeName);
  kubelet = await KubeletServer.start({
    clusterCaPem: server.caPem,
    certificates: new Map([
      [nodeName, await requestServingCertificate(nodeClient, nodeName, ['127.0.0.1', nodeName])],
    ]),
    client: nodeClient,
    runtimeFor: (name) => (name === nodeName ? runtime : undefined),
    host: '127.0.0.1',
    port: 0,
  });
  informers = new NodeHostInformers(nodeClient, realClock, [nodeName]);
  agent = new NodeAgent({
    client: nodeClient,
    clock: realClock,
    profile: profiles.lab,
    identity: {
      name: nodeName,
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      internalIP: '127.0.0.1',
      runtimeVersion: simRuntimeVersion,
      simulated: true,
      kubeletPort: kubelet.port,
    },
    createRuntime: () => {
      runtime = new SimRuntime({ clock: realClock, podCIDR: '10.244.77.0/24', readyDelayMs: 50 });
      return { runtime, prober: runtime.readinessProber() };
    },
    pods: informers.pods,
    backoff: { initialMs: 100, maxMs: 500 },
    log: () => {},
  });
  await agent.start();
  await informers.start(new Map([[nodeName, agent]]));
});

afterAll(async () => {
  informers?.stop();
  await agent?.stop();
  await kubelet?.close();
  client?.close();
  nodeClient?.close();
  await server?.stop();
});

describe('pods/{name}/log through the agent (SIMULATED runtime)', () => {
  it('publishes the agent port on the Node and advertises pods/log in discovery', async () => {
    const node = await client.resource<Node>(resource.nodes).get(nodeName);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(kubelet.port);
    const doc = (await raw(server, 'GET', '/api/v1')).json as {
      resources: { name: string; verbs: string[] }[];
    };
    expect(doc.resources.find((r) => r.name === 'pods/log')?.verbs).toEqual(['get']);
  });

  it('shows a container log, its tail and timestamps', async () => {
    await runningPod('web', [{ name: 'main', image: 'kubelab/web:1' }]);
    const all = await raw(server, 'GET', logPath('web'));
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/plain/);
    expect(all.text).toContain('SIMULATED container main (image kubelab/web:1) started\n');
    expect(all.text.trimEnd().split('\n')).toHaveLength(2);
    const tail = await raw(server, 'GET', logPath('web', '?tailLines=1'));
    expect(tail.text.trimEnd().split('\n')).toHaveLength(1);
    const stamped = await raw(server, 'GET', logPath('web', '?timestamps=true&tailLines=1'));
    expect(stamped.text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z SIMULATED /);
    const bad = await raw(server, 'GET', logPath('web', '?tailLines=-3'));
    expect(bad.status).toBe(400);
  });

  it('needs a container name when the pod has several, and checks it', async () => {
    await runningPod('two', [
      { name: 'a', image: 'kubelab/web:1' },
      { name: 'b', image: 'kubelab/web:2' },
    ]);
    const ambiguous = await raw(server, 'GET', logPath('two'));
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.message).toBe(
      'a container name must be specified for pod two, choose one of: [a b]',
    );
    const b = await raw(server, 'GET', logPath('two', '?container=b'));
    expect(b.text).toContain('SIMULATED container b (image kubelab/web:2) started');
    const unknown = await raw(server, 'GET', logPath('two', '?container=zz'));
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toBe('container zz is not valid for pod two');
  });

  it('follows the log until the container exits, and shows the exited instance with --previous', async () => {
    await runningPod('crashy', [{ name: 'main', image: 'kubelab/web:1' }]);
    const follow = openStream(logPath('crashy', '?follow=true'));
    expect(await follow.response).toBe(200);
    await until('the existing lines', async () => follow.text().includes('started'));
    expect(follow.ended()).toBe(false);
    await pods().patch('crashy', { metadata: { annotations: { 'sim.kubelab.dev/crash': '1' } } }, 'merge');
    await until('the exit line and the end of the stream', async () => follow.ended());
    expect(follow.text()).toContain('SIMULATED container main exited with code 1 (Error)');
    await until('the restart', async () => {
      const p = await pods().get('crashy');
      return (
        p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state?.running
      );
    });
    // The agent keeps the exited instance (one per container) when it starts the next attempt.
    const previous = await raw(server, 'GET', logPath('crashy', '?previous=true'));
    expect(previous.status).toBe(200);
    expect(previous.text).toContain('SIMULATED container main exited with code 1 (Error)');
    const never = await raw(server, 'GET', logPath('web', '?previous=true'));
    expect(never.status).toBe(400);
    expect(never.json.message).toBe('previous terminated container "main" in pod "web" not found');
    const current = await raw(server, 'GET', logPath('crashy'));
    expect(current.text).toContain('started');
    expect(current.text).not.toContain('exited');
  });

  it("stops the agent's stream when a follower disconnects", async () => {
    await runningPod('quiet', [{ name: 'main', image: 'kubelab/web:1' }]);
    const follow = openStream(logPath('quiet', '?follow=true'));
    await follow.response;
    await until('the first lines', async () => follow.text().includes('started'));
    follow.close();
    // The sim runtime's follower set empties once the proxy has torn the agent request down.
    await until('no followers left', async () => {
      const id = (await pods().get('quiet')).status?.containerStatuses?.[0]?.containerID?.replace(
        'sim://',
        '',
      );
      const c = (
        runtime as unknown as { containers: Map<string, { followers: Map<unknown, unknown> }> }
      ).containers.get(id!);
      return c?.followers.size === 0;
    });
  });

  it('says a container that has not started has no logs yet', async () => {
    await pods().create({
      metadata: { name: 'pending', namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'kubelab/web:1' }] },
    });
    const r = await raw(server, 'GET', logPath('pending'));
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('container "main" in pod "pending" is waiting to start - no logs yet');
  });

  it("answers only the API server's client certificate, not tokens", async () => {
    const pki = join(server.dataDir, 'pki');
    const read = (f: string) => readFile(join(pki, f), 'utf8');
    const ca = await ClusterCa.fromPem(await read('ca.crt'), await read('ca.key'));
    const someone = await newKeyPair();
    const otherClient = {
      cert: await ca.issue({
        subject: 'CN=someone-else',
        publicKey: someone.publicKey,
        usage: 'client',
        validForMs: 60_000,
      }),
      key: await privateKeyPem(someone.privateKey),
    };
    const direct = (tls: { cert?: string; key?: string }, token?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `https://127.0.0.1:${kubelet.port}/containerLogs/default/web/main`,
          {
            headers: token ? { authorization: `Bearer ${token}` } : {},
            ca: server.caPem,
            servername: nodeName,
            agent: false,
            ...tls,
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const anonymous = await direct({});
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).kind).toBe('Status');
    // The admin's token is no credential here: only the API server calls the kubelet.
    expect((await direct({}, server.token)).status).toBe(401);
    const other = await direct(otherClient);
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).message).toContain(
      'only the API server (kube-apiserver-kubelet-client) may',
    );
    const apiServer = await direct({
      cert: await read('apiserver-kubelet-client.crt'),
      key: await read('apiserver-kubelet-client.key'),
    });
    expect(apiServer.status).toBe(200);
    expect(apiServer.body).toContain('SIMULATED');
  });

  it('works with real kubectl', async () => {
    if (!kubectlPath) throw new Error('kubectl is required for this test (/usr/bin/kubectl)');
    const kubectl = (...args: string[]) =>
      runCommand(kubectlPath, ['--kubeconfig', server.kubeconfigPath, ...args]);
    const r = await kubectl('logs', 'web');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('SIMULATED container main (image kubelab/web:1) started');
    const tail = await kubectl('logs', 'web', '--tail=1', '--timestamps');
    expect(tail.stdout.trimEnd().split('\n')).toHaveLength(1);
    const previous = await kubectl('logs', 'crashy', '--previous');
    expect(previous.stdout).toContain('SIMULATED container main exited with code 1 (Error)');
    const never = await kubectl('logs', 'web', '--previous');
    expect(never.code).toBe(1);
    expect(never.stderr).toContain(
      'Error from server (BadRequest): previous terminated container "main" in pod "web" not found',
    );
    // exec reaches the agent, which says why there is nothing to run (in the stream, so
    // kubectl shows it rather than its SPDY retry's answer).
    const exec = await kubectl('exec', 'web', '--', 'true');
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain('node "logs-node" is SIMULATED: its containers are not real processes');
  });

  it("kubelab logs: the pod, a workload's pod, --tail, -c, and kubectl's default container", async () => {
    const cli = async (...args: string[]) => {
      const program = new Command().exitOverride();
      registerLogs(program, () => ({ kubeconfig: server.kubeconfigPath }));
      const out: string[] = [];
      const err: string[] = [];
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
        out.push(c.toString());
        return true;
      });
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
        err.push(c.toString());
        return true;
      });
      try {
        await program.parseAsync(['logs', ...args], { from: 'user' });
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
      return { stdout: out.join(''), stderr: err.join('') };
    };
    expect((await cli('web', '--tail', '1')).stdout).toMatch(/^SIMULATED [^\n]+\n$/);
    const defaulted = await cli('two');
    expect(defaulted.stderr).toBe('Defaulted container "a" out of: a, b\n');
    expect(defaulted.stdout).toContain('SIMULATED container a (image kubelab/web:1) started');
    expect((await cli('two', '-c', 'b')).stdout).toContain(
      'SIMULATED container b (image kubelab/web:2) started',
    );

    const labels = { app: 'lab' };
    const pod = await pods().create({
      metadata: { name: 'lab-1', namespace: 'default', labels },
      spec: { containers: [{ name: 'main', image: 'kubelab/web:3' }] },
    });
    await client.bind(pod, nodeName);
    await until('lab-1 running', async () => (await pods().get('lab-1')).status?.phase === 'Running');
    await client.resource<Deployment>(resource.deployments, 'default').create({
      metadata: { name: 'lab', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'kubelab/web:3' }] } },
      },
    });
    expect((await cli('deploy/lab')).stdout).toContain(
      'SIMULATED container main (image kubelab/web:3) started',
    );
    await expect(cli('two', '-c', 'zz')).rejects.toThrow('container zz is not valid for pod two');
  });
});
