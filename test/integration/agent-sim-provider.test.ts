// The sim provider's worker processes and failure injection through the OS: workers start
// as `kubelab agent --runtime sim` processes, join with a join token (never the admin's
// credential), register Ready Nodes and serve logs on 127.0.0.1; partition freezes one
// (SIGSTOP) and recover resumes it; agent stops it and recover starts it again; poweroff
// kills it. Runs against a real test server with a cluster record in a temporary KUBELAB_HOME.
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isNodeReady } from '../../src/api/node-state.js';
import { resource } from '../../src/api/resources.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { ProgressReporter } from '../../src/provision/bootstrap/progress-reporter.js';
import { planMachines } from '../../src/provision/cluster-provider.js';
import {
  clusterDir,
  clusterKubeconfigPath,
  readClusterRecord,
  writeClusterRecord,
} from '../../src/provision/cluster-records.js';
import {
  failSimNode,
  processAlive,
  processFrozen,
  recoverSimNode,
  SimCluster,
  stopSimMachine,
} from '../../src/provision/providers/sim.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const agentProgram = fileURLToPath(new URL('../../dist/kubelab-agent.mjs', import.meta.url));
const cluster = 'simprov';
const sim = new SimCluster({ cliScript: agentProgram, readyTimeoutMs: 30_000 });
const quiet = Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false });
let server: TestServer;
let home: string;
let savedHome: string | undefined;

beforeAll(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'kubelab-home-'));
  savedHome = process.env.KUBELAB_HOME;
  process.env.KUBELAB_HOME = home;
  await mkdir(clusterDir(cluster), { recursive: true });
  await copyFile(server.kubeconfigPath, clusterKubeconfigPath(cluster));
  await writeClusterRecord({
    name: cluster,
    provider: 'sim',
    createdAt: new Date().toISOString(),
    server: server.url,
    machines: [],
  });
});

afterAll(async () => {
  const record = await readClusterRecord(cluster);
  for (const m of record?.machines ?? []) await stopSimMachine(record!, m.name).catch(() => {});
  process.env.KUBELAB_HOME = savedHome;
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

async function recorded() {
  return (await readClusterRecord(cluster))!;
}

/**
 * Workers 1..count joined to the test server's control plane, through the sim provider's own
 * machine and join steps (as `kubelab up` runs them), and recorded.
 */
async function startWorkers(count: number) {
  const record = await recorded();
  const plan = {
    cluster,
    profile: 'lab',
    machines: planMachines(cluster, count).filter((m) => m.role === 'worker'),
  };
  record.machines = await sim.ensureMachines(plan, record);
  const bootstrap = sim.bootstrap(plan, record, new ProgressReporter(quiet));
  const controlPlane = { server: server.url, kubeconfig: await readFile(server.kubeconfigPath, 'utf8') };
  await bootstrap.join(record.machines, controlPlane);
  await bootstrap.waitReady(record.machines, controlPlane);
  await writeClusterRecord(record);
  return record.machines;
}

async function pidOf(name: string): Promise<number> {
  const record = await readClusterRecord(cluster);
  return record!.machines.find((m) => m.name === name)!.pid!;
}

it('starts kind-named workers, freezes, stops, kills and recovers them', async () => {
  const machines = await startWorkers(2);
  expect(machines.map((m) => m.name).sort()).toEqual(['simprov-worker', 'simprov-worker2']);
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  try {
    const nodes = await client.resource<Node>(resource.nodes).list();
    expect(nodes.items.filter(isNodeReady).map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['simprov-worker', 'simprov-worker2']),
    );
    // Each worker joined as a machine does and holds only its node's credential.
    const credential = join(clusterDir(cluster), 'nodes', 'simprov-worker.kubeconfig');
    const joined = loadKubeconfig(credential);
    expect(joined.userName).toBe('system:node:simprov-worker');
    expect(joined.token).not.toBe(server.token);
    // Its kubelet endpoint is on this machine, and the API server reaches it.
    const node = await client.resource<Node>(resource.nodes).get('simprov-worker');
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBeGreaterThan(0);
    const pods = client.resource<Pod>(resource.pods, 'default');
    const pod = await pods.create({
      metadata: { name: 'on-worker', namespace: 'default' },
      spec: { nodeName: 'simprov-worker', containers: [{ name: 'main', image: 'kubelab/web:1' }] },
    });
    await expect
      .poll(
        async () => (await pods.get(pod.metadata!.name!)).status?.containerStatuses?.[0]?.state?.running,
        {
          timeout: 15_000,
        },
      )
      .toBeTruthy();
    expect(await client.requestText('GET', '/api/v1/namespaces/default/pods/on-worker/log')).toContain(
      'SIMULATED container main',
    );

    // Idempotent: running workers are left alone.
    const pid = await pidOf('simprov-worker');
    await startWorkers(2);
    expect(await pidOf('simprov-worker')).toBe(pid);

    await failSimNode(await recorded(), 'simprov-worker', 'partition');
    await expect.poll(() => processFrozen(pid), { timeout: 5_000 }).toBe(true);
    expect(await recoverSimNode(await recorded(), 'simprov-worker', { cliScript: agentProgram })).toBe(
      'resumed',
    );
    await expect.poll(() => processFrozen(pid), { timeout: 5_000 }).toBe(false);

    await failSimNode(await recorded(), 'simprov-worker', 'agent');
    expect(processAlive(pid)).toBe(false);
    expect(await recoverSimNode(await recorded(), 'simprov-worker', { cliScript: agentProgram })).toBe(
      'restarted',
    );
    const restarted = await pidOf('simprov-worker');
    expect(restarted).not.toBe(pid);
    expect(processAlive(restarted)).toBe(true);
    // A restarted agent keeps its credential: it does not join again.
    expect(loadKubeconfig(credential).token).toBe(joined.token);

    await failSimNode(await recorded(), 'simprov-worker2', 'poweroff');
    const worker2 = await pidOf('simprov-worker2');
    expect(processAlive(worker2)).toBe(false);
    await expect(failSimNode(await recorded(), 'simprov-worker2', 'poweroff')).rejects.toThrow(
      /already down/,
    );
  } finally {
    client.close();
  }
});
