// The node agent with the SIMULATED runtime against a real in-process API server: node
// registration and Lease heartbeats, pods run to Running/Ready, crash loops with Kubernetes'
// back-off, graceful deletion finished by the agent, crash on demand, adoption after an agent
// restart, many nodes in one host, and the built agent program as a child process.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimNodeHost } from '../../src/agent/hosts/sim-node-host.js';
import { profiles } from '../../src/api/profiles.js';
import { resource } from '../../src/api/resources.js';
import { FakeClock } from '../../src/client/clock.js';
import { buildKubeconfig, loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const fastProfile = { ...profiles.lab, leaseRenewIntervalMs: 200, nodeStatusReportIntervalMs: 1_000 };

let server: TestServer;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  client = ApiClient.fromKubeconfig(server.kubeconfigPath);
});

afterAll(async () => {
  client.close();
  await server.stop();
});

const pods = () => client.resource<Pod>(resource.pods, 'default');

async function boundPod(
  name: string,
  node: string,
  spec: Partial<Pod['spec']>,
  annotations?: Record<string, string>,
) {
  const pod = await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'main', image: 'kubelab/web:1' }], ...spec } as Pod['spec'],
  });
  await client.bind(pod, node);
  return pod;
}

/**
 * Resolves after sim-a's agent has renewed its Lease `count` more times: a marker that the
 * agent has been running (and its timers firing) since, without guessing a duration.
 */
async function afterLeaseRenewals(count: number): Promise<void> {
  const leases = client.resource<Lease>(resource.leases, 'kube-node-lease');
  let last = (await leases.get('sim-a')).spec?.renewTime;
  for (let i = 0; i < count; i++)
    last = await until('a lease renewal', async () => {
      const t = (await leases.get('sim-a')).spec?.renewTime;
      return t !== last && t;
    });
}

function readyCondition(pod: Pod): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

describe('a simulated node agent', () => {
  let host: SimNodeHost;
  beforeAll(async () => {
    host = await SimNodeHost.start({
      client,
      nodeNames: ['sim-a'],
      profile: fastProfile,
      readyDelayMs: 100,
      maxStopDelayMs: 200,
      backoff: { initialMs: 300, maxMs: 2_000 },
      log: () => {},
    });
  });
  afterAll(() => host.stop());

  it('registers a Ready Node with kubelet fields and renews its Lease', async () => {
    const node = await client.resource<Node>(resource.nodes).get('sim-a');
    expect(node.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': 'sim-a',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node.kubelab.dev/simulated': 'true',
    });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure'])
      expect(node.status?.conditions?.find((c) => c.type === t)?.status).toBe('False');
    expect(node.status?.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.32.0-kubelab',
      containerRuntimeVersion: 'sim://1.0',
    });
    expect(node.status?.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    // A SIMULATED node lives on this computer: its address is a loopback one, so nothing
    // that dials it leaves the machine.
    const internal = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    expect(internal).toBe('127.0.0.1');
    const leases = client.resource<Lease>(resource.leases, 'kube-node-lease');
    const first = await until('the lease', () => leases.get('sim-a'));
    expect(first.spec).toMatchObject({ holderIdentity: 'sim-a', leaseDurationSeconds: 4 });
    await until('a lease renewal', async () => {
      const l = await leases.get('sim-a');
      return l.spec?.renewTime !== first.spec?.renewTime && l;
    });
  });

  it('runs a bound pod to Running and Ready with an IP from the node pod CIDR', async () => {
    await boundPod('web', 'sim-a', {});
    const pod = await until('web Ready', async () => {
      const p = await pods().get('web');
      return readyCondition(p) === 'True' && p;
    });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^10\.24[4-7]\.\d+\.\d+$/);
    expect(pod.status?.hostIP).toBe('127.0.0.1');
    const types = pod.status?.conditions?.map((c) => `${c.type}=${c.status}`);
    expect(types).toEqual(
      expect.arrayContaining([
        'PodScheduled=True',
        'Initialized=True',
        'ContainersReady=True',
        'Ready=True',
        'PodReadyToStartContainers=True',
      ]),
    );
    const cs = pod.status?.containerStatuses?.[0];
    expect(cs).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0 });
    expect(cs?.containerID).toMatch(/^sim:\/\/[0-9a-f]+$/);
    expect(cs?.state?.running?.startedAt).toBeTruthy();
    // Status is written only when it changes: a steady pod is not rewritten.
    await afterLeaseRenewals(2);
    expect((await pods().get('web')).metadata?.resourceVersion).toBe(pod.metadata?.resourceVersion);
  });

  it('never makes kubelab/web:broken ready', async () => {
    await boundPod('broken', 'sim-a', { containers: [{ name: 'web', image: 'kubelab/web:broken' }] });
    const pod = await until('broken Running', async () => {
      const p = await pods().get('broken');
      return p.status?.phase === 'Running' && p;
    });
    await afterLeaseRenewals(2); // well past the 100 ms ready delay
    const later = await pods().get('broken');
    expect(readyCondition(later)).toBe('False');
    expect(later.status?.conditions?.find((c) => c.type === 'ContainersReady')).toMatchObject({
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [web]',
    });
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
  });

  it('finishes a graceful deletion: Terminating, then the agent deletes it with grace 0', async () => {
    await until('web still there', () => pods().get('web'));
    const terminating = await pods().delete('web');
    expect(terminating?.metadata?.deletionTimestamp).toBeTruthy();
    await until('web gone', async () => {
      try {
        await pods().get('web');
        return false;
      } catch (e) {
        return (e as { reason?: string }).reason === 'NotFound';
      }
    });
  });

  it('runs no network hook for a SIMULATED container (its pod IP is made up: nothing may dial it)', async () => {
    const dialled: string[] = [];
    const listener = createHttpServer((req, res) => {
      dialled.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      await boundPod('hooked', 'sim-a', {
        containers: [
          {
            name: 'main',
            image: 'kubelab/web:1',
            lifecycle: { preStop: { httpGet: { host: '127.0.0.1', port, path: '/prestop' } } },
          },
        ],
      });
      await until(
        'hooked running',
        async () => (await pods().get('hooked')).status?.containerStatuses?.[0]?.state?.running,
      );
      await pods().delete('hooked');
      await until('hooked gone', async () => {
        try {
          await pods().get('hooked');
          return false;
        } catch (e) {
          return (e as { reason?: string }).reason === 'NotFound';
        }
      });
      expect(dialled).toEqual([]);
    } finally {
      await new Promise((r) => listener.close(r));
    }
  });

  it('runs a Job-style pod to Succeeded and a failing one to Failed', async () => {
    await boundPod('done', 'sim-a', {
      restartPolicy: 'Never',
      containers: [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'sleep 0.2; exit 0'] }],
    });
    await boundPod('failed', 'sim-a', {
      restartPolicy: 'Never',
      containers: [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'exit 3'] }],
    });
    const done = await until('done Succeeded', async () => {
      const p = await pods().get('done');
      return p.status?.phase === 'Succeeded' && p;
    });
    expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(readyCondition(done)).toBe('False');
    const failed = await until('failed Failed', async () => {
      const p = await pods().get('failed');
      return p.status?.phase === 'Failed' && p;
    });
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
  });

  it('restarts a container once per new sim.kubelab.dev/crash value', async () => {
    await boundPod('victim', 'sim-a', {});
    await until('victim Ready', async () => readyCondition(await pods().get('victim')) === 'True');
    await pods().patch(
      'victim',
      { metadata: { annotations: { 'sim.kubelab.dev/crash': '1', 'sim.kubelab.dev/exit-code': '42' } } },
      'merge',
    );
    const crashed = await until('a restart', async () => {
      const p = await pods().get('victim');
      return p.status?.containerStatuses?.[0]?.restartCount === 1 && p;
    });
    expect(crashed.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 42,
      reason: 'Error',
    });
    await until('victim Ready again', async () => readyCondition(await pods().get('victim')) === 'True');
    await pods().patch('victim', { metadata: { annotations: { 'sim.kubelab.dev/crash': '2' } } }, 'merge');
    await until('a second restart', async () => {
      const p = await pods().get('victim');
      return p.status?.containerStatuses?.[0]?.restartCount === 2 && p;
    });
  });

  it('adopts its pods after an agent restart without counting a restart', async () => {
    const before = await until('victim Ready', async () => {
      const p = await pods().get('victim');
      return readyCondition(p) === 'True' && p;
    });
    await host.stop();
    host = await SimNodeHost.start({
      client,
      nodeNames: ['sim-a'],
      profile: fastProfile,
      readyDelayMs: 100,
      maxStopDelayMs: 200,
      backoff: { initialMs: 300, maxMs: 2_000 },
      log: () => {},
    });
    await until('the restarted agent to run victim', async () => host.agents.get('sim-a')!.podCount() > 0);
    await afterLeaseRenewals(2);
    const after = await pods().get('victim');
    expect(readyCondition(after)).toBe('True');
    expect(after.status?.podIP).toBe(before.status?.podIP);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(2);
    expect(after.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBe(
      before.status?.containerStatuses?.[0]?.state?.running?.startedAt,
    );
  });
});

describe('crash loops', () => {
  it('kubelab/crash reaches CrashLoopBackOff with back-off doubling from 10 s (FakeClock)', async () => {
    const clock = new FakeClock(Date.now());
    const host = await SimNodeHost.start({
      client,
      clock,
      nodeNames: ['sim-crash'],
      profile: fastProfile,
      log: () => {},
    });
    try {
      await boundPod('crasher', 'sim-crash', { containers: [{ name: 'crash', image: 'kubelab/crash' }] });
      const seen = new Set<string>();
      let restarts = 0;
      // Step simulated time while the real server and informers do their work.
      for (let i = 0; i < 400 && restarts < 3; i++) {
        clock.step(500);
        await new Promise((r) => setTimeout(r, 10));
        const cs = (await pods().get('crasher')).status?.containerStatuses?.[0];
        restarts = cs?.restartCount ?? 0;
        const w = cs?.state?.waiting;
        if (w?.reason === 'CrashLoopBackOff') {
          seen.add(w.message ?? '');
          expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
        }
      }
      expect(restarts).toBeGreaterThanOrEqual(3);
      const delays = [...seen].map(
        (m) => /^back-off (\S+) restarting failed container=crash pod=crasher_default\(/.exec(m)?.[1],
      );
      expect(delays).toEqual(expect.arrayContaining(['10s', '20s']));
    } finally {
      await host.stop();
    }
  });
});

describe('many simulated nodes in one process', () => {
  it('registers 50 nodes, all Ready, sharing one pods informer', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `scale-${i}`);
    const host = await SimNodeHost.start({ client, nodeNames: names, profile: fastProfile, log: () => {} });
    try {
      // Without a kubelet endpoint a SIMULATED node publishes no port: nothing dials it.
      const one = await client.resource<Node>(resource.nodes).get('scale-3');
      expect(one.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
      expect(one.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(0);
      const nodes = await client.resource<Node>(resource.nodes).list();
      const ready = nodes.items.filter(
        (n) =>
          names.includes(n.metadata?.name ?? '') &&
          n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      );
      expect(ready).toHaveLength(50);
      await boundPod('on-scale-7', 'scale-7', {});
      await until(
        'the pod on scale-7 Ready',
        async () => readyCondition(await pods().get('on-scale-7')) === 'True',
      );
      expect(host.agents.get('scale-7')?.podCount()).toBe(1);
      expect(host.agents.get('scale-8')?.podCount()).toBe(0);
    } finally {
      await host.stop();
    }
  });
});

describe('many simulated nodes, each with its own credential, behind one kubelet listener', () => {
  it("writes each node's objects with that node's credential and serves each node's logs by SNI", async () => {
    const names = ['multi-a', 'multi-b', 'multi-c'];
    const nodeClients = new Map(
      await Promise.all(names.map(async (n) => [n, await server.nodeClient(n)] as const)),
    );
    // The shared informers read with one node's credential, as the node authorizer allows.
    const host = await SimNodeHost.start({
      client: nodeClients.get('multi-a')!,
      nodeClient: (n) => nodeClients.get(n)!,
      kubelet: { clusterCaPem: server.caPem },
      nodeNames: names,
      profile: fastProfile,
      readyDelayMs: 50,
      log: () => {},
    });
    try {
      for (const n of names) {
        const node = await client.resource<Node>(resource.nodes).get(n);
        expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
        expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(host.kubeletPort);
        // Registered by the node itself: a node may create only a Node of its own name.
        expect(node.metadata?.labels?.['node.kubelab.dev/simulated']).toBe('true');
      }
      for (const n of names) await boundPod(`on-${n}`, n, {});
      for (const n of names) {
        await until(
          `the pod on ${n} running`,
          async () => (await pods().get(`on-${n}`)).status?.containerStatuses?.[0]?.state?.running,
        );
        const log = await client.requestText('GET', `/api/v1/namespaces/default/pods/on-${n}/log`, {
          accept: 'text/plain',
        });
        expect(log).toContain('SIMULATED container main');
      }
    } finally {
      await host.stop();
      for (const c of nodeClients.values()) c.close();
    }
  });
});

describe('the kubelab-agent program', () => {
  it('joins, registers its Node Ready and serves logs on 127.0.0.1 when run as a child process', async () => {
    const program = fileURLToPath(new URL('../../dist/kubelab-agent.mjs', import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-agent-'));
    const admin = loadKubeconfig(server.kubeconfigPath);
    const { token } = await client.request<{ token: string }>(
      'POST',
      '/apis/join.kubelab.dev/v1/jointokens',
      {
        body: {},
      },
    );
    const bootstrap = join(dir, 'bootstrap.kubeconfig');
    await writeFile(
      bootstrap,
      buildKubeconfig({ server: admin.server, caData: admin.caData!, token, clusterName: 'kubelab' }),
    );
    const child = spawn(
      process.execPath,
      [
        program,
        '--kubeconfig',
        join(dir, 'node.kubeconfig'),
        '--bootstrap-kubeconfig',
        bootstrap,
        '--node-name',
        'child-node',
        '--runtime',
        'sim',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    try {
      const node = await until('child-node Ready', async () => {
        const n = await client.resource<Node>(resource.nodes).get('child-node');
        return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && n;
      });
      expect(node.status?.nodeInfo?.containerRuntimeVersion).toBe('sim://1.0');
      await until('the startup line', async () => output.includes('SIMULATED'));
      expect(output).toContain(
        `kubelet endpoint 127.0.0.1:${node.status?.daemonEndpoints?.kubeletEndpoint?.Port}`,
      );
      await boundPod('on-child', 'child-node', {});
      await until(
        'the pod on child-node running',
        async () => (await pods().get('on-child')).status?.containerStatuses?.[0]?.state?.running,
      );
      const log = await client.requestText('GET', '/api/v1/namespaces/default/pods/on-child/log', {
        accept: 'text/plain',
      });
      expect(log).toContain('SIMULATED container main');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
