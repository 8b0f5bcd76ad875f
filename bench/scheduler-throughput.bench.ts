// Scheduler throughput: a real `kubelab server` child process, 1,000 (then 5,000) Ready Node
// objects written directly (no agents, kwok-style), the Scheduler running in this process.
// Two phases per cluster size, each 10,000 pods: "backlog" (pods created first, then the
// scheduler starts: its own speed) and "steady" (pods created by 32 concurrent writers while
// the scheduler runs: create->bound latency, bounded by how fast the API accepts creates).
// Pods bound per second is first bind to last bind, as the watch shows them.
// Targets: >= 1,500 pods/s at 1,000 nodes, >= 800 pods/s at 5,000 nodes.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { profiles } from '../src/api/profiles.js';
import { resource } from '../src/api/resources.js';
import { rfc3339 } from '../src/api/time.js';
import { realClock } from '../src/client/clock.js';
import { EventRecorder } from '../src/client/event-recorder.js';
import { InformerFactory } from '../src/client/informer.js';
import { objectKey } from '../src/client/object-key.js';
import type { ApiClient } from '../src/client/rest-client.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { report, startServerProcess, summarize } from './harness.js';

const podCount = Number(process.env.BENCH_PODS ?? 10_000);
const nodeCounts = (process.env.BENCH_NODES ?? '1000,5000').split(',').map(Number);
const writers = 32;
const schedulerName = 'bench-scheduler';

async function inParallel(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function createNodes(client: ApiClient, count: number): Promise<void> {
  const nodes = client.resource<Node>(resource.nodes);
  const heartbeat = rfc3339(Date.now());
  await inParallel(count, async (i) => {
    const name = `node-${String(i).padStart(5, '0')}`;
    const created = await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    });
    const capacity = { cpu: '32', memory: '128Gi', pods: '110' };
    await nodes.updateStatus({
      ...created,
      status: {
        capacity,
        allocatable: capacity,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: heartbeat }],
      },
    });
  });
}

/** Bind times as the watch shows them, per pod key; resolves `done` once `expected` pods are bound. */
function watchBinds(informers: InformerFactory) {
  const boundAt = new Map<string, number>();
  let expected = Number.POSITIVE_INFINITY;
  let resolve: () => void = () => {};
  const seen = (pod: Pod) => {
    const key = objectKey(pod);
    if (!pod.spec?.nodeName || boundAt.has(key)) return;
    boundAt.set(key, performance.now());
    if (boundAt.size >= expected) resolve();
  };
  // A relist after a dropped watch reports a pod bound meanwhile as an add or an update.
  informers
    .informerFor<Pod>(resource.pods)
    .addEventHandler({ onAdd: seen, onUpdate: (_old, pod) => seen(pod) });
  return {
    boundAt,
    until(count: number): Promise<void> {
      expected = count;
      return new Promise((r) => {
        resolve = r;
        if (boundAt.size >= count) r();
        setTimeout(r, 300_000).unref();
      });
    },
  };
}

async function createPods(
  client: ApiClient,
  prefix: string,
  createdAt: Map<string, number>,
): Promise<number> {
  const pods = client.resource<Pod>(resource.pods, 'default');
  const started = performance.now();
  await inParallel(podCount, async (i) => {
    const name = `${prefix}-${String(i).padStart(5, '0')}`;
    createdAt.set(`default/${name}`, performance.now());
    await pods.create({
      metadata: { name, labels: { app: `${prefix}-${i % 100}` } },
      spec: {
        schedulerName,
        containers: [
          { name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
        ],
      },
    });
  });
  return Math.round((podCount / (performance.now() - started)) * 1000);
}

function rate(keys: string[], boundAt: Map<string, number>) {
  const binds = keys.map((k) => boundAt.get(k)).filter((t): t is number => t !== undefined);
  binds.sort((a, b) => a - b);
  return {
    bound: binds.length,
    podsPerSecond: Math.round(((binds.length - 1) / (binds.at(-1)! - binds[0]!)) * 1000),
  };
}

async function run(nodeCount: number) {
  // Only the API server: the scheduler under test is the one in this process.
  const server = await startServerProcess(['--no-controllers']);
  const client = server.client();
  await createNodes(client, nodeCount);
  const informers = new InformerFactory(client);
  const scheduler = new Scheduler({
    client,
    informers,
    clock: realClock,
    profile: profiles.lab,
    recorder: new EventRecorder(client, 'default-scheduler'),
    log: (m) => process.stderr.write(`${m}\n`),
    // The server child runs its own default-scheduler; this one serves only the bench's pods.
    schedulerName,
  });
  const binds = watchBinds(informers);
  const progress = setInterval(() => {
    const h = scheduler.health();
    process.stderr.write(
      `${nodeCount} nodes: ${binds.boundAt.size} bound, queue ${h.queued}, in flight ${h.bindingsInFlight}, unschedulable ${h.unschedulable}${h.lastError ? `, last error ${h.lastError.message}` : ''}\n`,
    );
  }, 5_000);

  // Backlog: 10,000 pods wait, then the scheduler starts; what it alone can do.
  const backlogCreated = new Map<string, number>();
  await createPods(client, 'backlog', backlogCreated);
  await scheduler.start();
  await binds.until(podCount);
  const backlog = rate([...backlogCreated.keys()], binds.boundAt);

  // Steady: 10,000 more pods created as fast as the API takes them while the scheduler runs.
  const steadyCreated = new Map<string, number>();
  const createsPerSecond = await createPods(client, 'steady', steadyCreated);
  await binds.until(2 * podCount);
  const latencies = [...steadyCreated].map(([key, at]) => binds.boundAt.get(key)! - at);

  clearInterval(progress);
  const health = scheduler.health();
  await scheduler.stop();
  informers.stop();
  client.close();
  await server.stop();
  return {
    nodes: nodeCount,
    backlog: { pods: podCount, ...backlog },
    steady: {
      pods: podCount,
      createsPerSecond,
      ...rate([...steadyCreated.keys()], binds.boundAt),
      createToBound: summarize(latencies),
    },
    scheduler: { scheduled: health.scheduled, lastError: health.lastError?.message },
  };
}

const results = [];
for (const n of nodeCounts) results.push(await run(n));
await report('scheduler-throughput', {
  description: 'pods bound per second by the scheduler against a kubelab server child process',
  targets: { podsPerSecondAt1000Nodes: 1500, podsPerSecondAt5000Nodes: 800 },
  results,
});
