// Pod startup on one real Docker node, and what the node agent costs in memory. A `kubelab
// server` (API only: no scheduler, so pods name their node) and the agent bundle that workers
// run (`kubelab-agent.mjs --runtime docker`) as a child process; kubelab/web:1 is already in
// Docker Engine. Pods with an HTTP readiness probe (periodSeconds 1) are created 10 one at a
// time (nothing queued in front of them), then 50 five at a time; each one's latency runs
// from the create call to the Ready condition seen by a watch. Then, with the 50 pods
// running, the agent's resident memory is read from /proc, and every pod is deleted and its
// containers checked gone. Targets: p99 <= 1 s (Kubernetes' SLO is 5 s), agent RSS <= 80 MB.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podUidLabel } from '../src/agent/runtime/docker-labels.js';
import { resource } from '../src/api/resources.js';
import { Informer } from '../src/client/informer.js';
import { ensureImage } from '../src/images/index.js';
import { report, startServerProcess, summarize } from './harness.js';

const podCount = Number(process.env.BENCH_PODS ?? 50);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 5);
const nodeName = 'bench-docker';
const namespace = 'default';
// The agent bundle bootstrap installs on worker machines (the same agent as `kubelab agent`).
const agentBundle = fileURLToPath(new URL('../dist/kubelab-agent.mjs', import.meta.url));
const docker = new Docker();

/** Resident memory from /proc: total, peak, and the part that is the process's own (heap, not mapped code). */
function memoryMB(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) =>
    Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 102.4) /
    10;
  return { rssMB: mb('VmRSS'), peakRssMB: mb('VmHWM'), anonMB: mb('RssAnon'), fileMB: mb('RssFile') };
}

/** The Node flags the bundle's first line asks for (`#!/usr/bin/env -S node FLAGS`): the agent runs with them. */
function agentNodeFlags(): string[] {
  const shebang = readFileSync(agentBundle, 'utf8').split('\n', 1)[0] ?? '';
  return /^#!\/usr\/bin\/env -S node (.*)$/.exec(shebang)?.[1]?.split(' ') ?? [];
}

function startAgent(kubeconfig: string, dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...agentNodeFlags(),
      agentBundle,
      '--kubeconfig',
      kubeconfig,
      '--node-name',
      nodeName,
      '--runtime',
      'docker',
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`agent exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('registered and Ready')) resolve(child);
    });
  });
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - t0;
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

await ensureImage(docker, 'kubelab/web:1');
await ensureImage(docker, 'kubelab/pause:1');
const server = await startServerProcess(['--no-controllers']);
const client = server.client();
const agentDir = await mkdtemp(join(tmpdir(), 'kubelab-bench-agent-'));
let agent: ChildProcess | undefined;
const uids = new Set<string>();
const ourContainers = async () =>
  (await docker.listContainers({ all: true, filters: { label: [podUidLabel] } })).filter((c) =>
    uids.has(c.Labels[podUidLabel] ?? ''),
  );

try {
  agent = await startAgent(server.kubeconfig, agentDir);
  // Ready as seen by a watch: the informer's handler notes when each pod first shows Ready.
  const readyAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const informer = new Informer<Pod>(client, resource.pods, { namespace, labelSelector: 'app=bench' });
  const seen = (p: Pod) => {
    const name = p.metadata?.name ?? '';
    if (!isReady(p) || readyAt.has(name)) return;
    readyAt.set(name, performance.now());
    waiters.get(name)?.();
  };
  informer.addEventHandler({ onAdd: seen, onUpdate: (_old, p) => seen(p) });
  informer.start();
  await informer.waitForSync();
  const pods = client.resource<Pod>(resource.pods, namespace);
  // The agent with no pods, once it has loaded, registered and settled: its floor.
  await new Promise((r) => setTimeout(r, 3_000));
  const agentMemoryNoPods = memoryMB(agent.pid!);

  /** Creates `count` pods, `inFlight` at a time, each waited for until Ready. */
  async function createPods(prefix: string, count: number, inFlight: number) {
    const latencies: number[] = [];
    let next = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let i = next++; i < count; i = next++) {
          const name = `${prefix}-${i}`;
          const ready = new Promise<void>((resolve) => waiters.set(name, resolve));
          const t0 = performance.now();
          const created = await pods.create({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name, namespace, labels: { app: 'bench' } },
            spec: {
              nodeName,
              terminationGracePeriodSeconds: 2,
              containers: [
                {
                  name: 'web',
                  image: 'kubelab/web:1',
                  readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          });
          uids.add(created.metadata?.uid ?? '');
          await ready;
          latencies.push(readyAt.get(name)! - t0);
        }
      }),
    );
    return {
      inFlight,
      ...summarize(latencies),
      allReadyMs: Math.round(performance.now() - startedAt),
    };
  }

  async function deleteAll() {
    const started = performance.now();
    await Promise.all((await pods.list()).items.map((p) => pods.delete(p.metadata!.name!)));
    const podsGoneMs = await waitFor(
      'pods deleted',
      async () => (await pods.list()).items.length === 0,
      120_000,
    );
    await waitFor('containers removed', async () => (await ourContainers()).length === 0, 60_000);
    return { podsGoneMs: Math.round(podsGoneMs), containersGoneMs: Math.round(performance.now() - started) };
  }

  // One at a time first: the latency of a pod with nothing queued in front of it.
  const serial = await createPods('serial', 10, 1);
  await deleteAll();
  const concurrent = await createPods('bench', podCount, concurrency);

  // Memory with every pod running, after the agent has settled into its steady loops.
  await new Promise((r) => setTimeout(r, 5_000));
  const agentMemory = memoryMB(agent.pid!);
  const serverMemory = memoryMB(server.child.pid!);
  const runningContainers = (await ourContainers()).filter((c) => c.State === 'running').length;
  const deletion = await deleteAll();
  informer.stop();

  await report('agent-docker', {
    description:
      'one Docker node agent (the kubelab-agent bundle as a child process): pod create -> Ready (seen by a watch) with kubelab/web:1 present and an HTTP readiness probe every 1 s, first one at a time, then 5 at a time; agent memory with the pods running; deletion of all',
    targets: { p99Ms: 1000, agentRssMB: 80 },
    createToReady: { serial, concurrent },
    runningContainers,
    agentMemory,
    agentMemoryNoPods,
    serverMemory,
    deletion,
  });
} finally {
  if (agent && agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((r) => agent?.once('exit', r));
  }
  for (const c of await ourContainers()) await docker.getContainer(c.Id).remove({ force: true });
  client.close();
  await server.stop();
  await rm(agentDir, { recursive: true, force: true });
}
