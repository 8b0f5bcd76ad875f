// The sim provider's worker processes and failure injection through the OS: workers start
// as `kubelab agent --runtime sim` processes and register Ready Nodes; partition freezes one
// (SIGSTOP) and recover resumes it; agent stops it and recover starts it again; poweroff
// kills it. Runs against a real test server with a cluster record in a temporary KUBELAB_HOME.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isNodeReady } from '../../src/api/node-state.js';
import { resource } from '../../src/api/resources.js';
import { ApiClient } from '../../src/client/rest-client.js';
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
  startSimWorkers,
  stopSimMachine,
} from '../../src/provision/providers/sim.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const agentProgram = fileURLToPath(new URL('../../dist/kubelab-agent.mjs', import.meta.url));
const cluster = 'simprov';
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
  for (const m of record?.machines ?? []) await stopSimMachine(cluster, m.name).catch(() => {});
  process.env.KUBELAB_HOME = savedHome;
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

async function pidOf(name: string): Promise<number> {
  const record = await readClusterRecord(cluster);
  return record!.machines.find((m) => m.name === name)!.pid!;
}

it('starts kind-named workers, freezes, stops, kills and recovers them', async () => {
  const machines = await startSimWorkers(cluster, 2, { cliScript: agentProgram, readyTimeoutMs: 30_000 });
  expect(machines.map((m) => m.name).sort()).toEqual(['simprov-worker', 'simprov-worker2']);
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  try {
    const nodes = await client.resource<Node>(resource.nodes).list();
    expect(nodes.items.filter(isNodeReady).map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['simprov-worker', 'simprov-worker2']),
    );
    // Idempotent: running workers are left alone.
    const pid = await pidOf('simprov-worker');
    await startSimWorkers(cluster, 2, { cliScript: agentProgram });
    expect(await pidOf('simprov-worker')).toBe(pid);

    await failSimNode(cluster, 'simprov-worker', 'partition');
    await expect.poll(() => processFrozen(pid), { timeout: 5_000 }).toBe(true);
    expect(await recoverSimNode(cluster, 'simprov-worker', { cliScript: agentProgram })).toBe('resumed');
    await expect.poll(() => processFrozen(pid), { timeout: 5_000 }).toBe(false);

    await failSimNode(cluster, 'simprov-worker', 'agent');
    expect(processAlive(pid)).toBe(false);
    expect(await recoverSimNode(cluster, 'simprov-worker', { cliScript: agentProgram })).toBe('restarted');
    const restarted = await pidOf('simprov-worker');
    expect(restarted).not.toBe(pid);
    expect(processAlive(restarted)).toBe(true);

    await failSimNode(cluster, 'simprov-worker2', 'poweroff');
    const worker2 = await pidOf('simprov-worker2');
    expect(processAlive(worker2)).toBe(false);
    await expect(failSimNode(cluster, 'simprov-worker2', 'poweroff')).rejects.toThrow(/already down/);
  } finally {
    client.close();
  }
});
