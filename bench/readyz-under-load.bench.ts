// Health under load: 200 busy clients (none in system:masters, so the in-flight limits apply
// to them) hammer one server, half listing 200 ConfigMaps of ~1 KB as a `view` user (a node
// may not list ConfigMaps), half creating Events with node credentials, each
// sending its next request as soon as the last one is answered. Meanwhile /readyz is asked
// every 100 ms and a node renews its Lease every 100 ms, from a thread of their own so the load
// generator's busy event loop does not delay them. Targets: /readyz p99 <= 100 ms, and every
// /readyz and Lease renewal answered 200 (never 429) however busy the server is.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { rawCaller, report, startServerProcess, summarize } from './harness.js';

interface ProbeSpec {
  kubeconfig: string;
  healthToken: string;
  leaseToken: string;
  leasePath: string;
  durationMs: number;
}

/** The probe thread: /readyz and a Lease renewal every 100 ms each; posts their latencies and codes. */
async function probe(spec: ProbeSpec) {
  const deadline = performance.now() + spec.durationMs;
  const codes: Record<string, number> = {};
  const every100ms = async (what: string, ask: () => Promise<{ status: number; ms: number }>) => {
    const ms: number[] = [];
    while (performance.now() < deadline) {
      const answer = await ask();
      codes[`${what} ${answer.status}`] = (codes[`${what} ${answer.status}`] ?? 0) + 1;
      ms.push(answer.ms);
      await new Promise((r) => setTimeout(r, 100));
    }
    return ms;
  };
  const health = rawCaller(spec.kubeconfig, spec.healthToken);
  const renewer = rawCaller(spec.kubeconfig, spec.leaseToken);
  let renewals = 0;
  const [readyzMs, leaseMs] = await Promise.all([
    every100ms('readyz', () => health.request('GET', '/readyz')),
    every100ms('lease', () =>
      renewer.request(
        'PATCH',
        spec.leasePath,
        {
          spec: { renewTime: new Date(Date.now() + renewals++).toISOString().replace(/\.\d+Z$/, '.000000Z') },
        },
        'application/merge-patch+json',
      ),
    ),
  ]);
  health.close();
  renewer.close();
  return { readyzMs, leaseMs, codes };
}

if (!isMainThread) {
  parentPort!.postMessage(await probe(workerData as ProbeSpec));
  process.exit(0);
}

const busyClients = Number(process.env.BENCH_CLIENTS ?? 200);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 20_000);
const objects = 200;
const nodes = 20;

const server = await startServerProcess(['--no-controllers']); // the API server alone: what this measures
const admin = rawCaller(server.kubeconfig);
const cmPath = '/api/v1/namespaces/default/configmaps';
for (let i = 0; i < objects; i++) {
  const created = await admin.request('POST', cmPath, {
    metadata: { name: `cm-${i}` },
    data: { blob: 'x'.repeat(1000) },
  });
  if (created.status !== 201) throw new Error(`seeding: ${created.status} ${created.body}`);
}
const joinToken = JSON.parse((await admin.request('POST', '/apis/join.kubelab.dev/v1/jointokens', {})).body)
  .token as string;
const nodeTokens: string[] = [];
for (let i = 0; i < nodes; i++) {
  const joiner = rawCaller(server.kubeconfig, joinToken);
  const answer = await joiner.request('POST', '/apis/join.kubelab.dev/v1/nodecredentials', {
    nodeName: `node-${i}`,
  });
  joiner.close();
  nodeTokens.push(JSON.parse(answer.body).token);
}
// The readers: a person's credential bound to the `view` ClusterRole, as `kubelab kubeconfig
// --user reader --role view` issues.
const readerToken = JSON.parse(
  (await admin.request('POST', '/apis/join.kubelab.dev/v1/usercredentials', { name: 'reader' })).body,
).token as string;
const binding = await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
  metadata: { name: 'reader-view' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'reader' }],
});
if (binding.status !== 201) throw new Error(`binding: ${binding.status} ${binding.body}`);
const leasePath = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const lease = await rawCaller(server.kubeconfig, nodeTokens[0]).request('POST', leasePath, {
  metadata: { name: 'node-0', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'node-0', leaseDurationSeconds: 40 },
});
if (lease.status !== 201) throw new Error(`lease: ${lease.status} ${lease.body}`);

// The probes start first, on their own thread, and run for the same span as the load.
const probes = new Promise<Awaited<ReturnType<typeof probe>>>((resolve, reject) => {
  const worker = new Worker(new URL(import.meta.url), {
    execArgv: process.execArgv,
    workerData: {
      kubeconfig: server.kubeconfig,
      healthToken: nodeTokens[1]!,
      leaseToken: nodeTokens[0]!,
      leasePath: `${leasePath}/node-0`,
      durationMs,
    } satisfies ProbeSpec,
  });
  worker.once('message', resolve);
  worker.once('error', reject);
});
const deadline = performance.now() + durationMs;
const codes: Record<string, number> = {};
const listMs: number[] = [];
const writeMs: number[] = [];
let seq = 0;
await Promise.all(
  Array.from({ length: busyClients }, async (_, i) => {
    const reads = i % 2 === 0;
    const caller = rawCaller(server.kubeconfig, reads ? readerToken : nodeTokens[i % nodes]);
    while (performance.now() < deadline) {
      const answer = reads
        ? await caller.request('GET', cmPath)
        : await caller.request('POST', '/api/v1/namespaces/default/events', {
            metadata: { name: `busy-${i}-${seq++}`, namespace: 'default' },
            involvedObject: { kind: 'Node', name: `node-${i % nodes}` },
            reason: 'Busy',
            message: 'benchmark load',
          });
      const key = `${reads ? 'list' : 'write'} ${answer.status}`;
      codes[key] = (codes[key] ?? 0) + 1;
      if (answer.status < 300) (reads ? listMs : writeMs).push(answer.ms);
      // A refused client waits as client-go would (Retry-After: 1 s) instead of spinning.
      if (answer.status === 429) await new Promise((r) => setTimeout(r, 1000));
    }
    caller.close();
  }),
);
const { readyzMs, leaseMs, codes: probeCodes } = await probes;
admin.close();
await server.stop();

await report('readyz-under-load', {
  description: `${busyClients} busy clients (half listing ${objects} ConfigMaps of ~1 KB as a view user, half creating Events with node credentials) for ${durationMs / 1000} s; /readyz and a node Lease renewal every 100 ms`,
  targets: { readyzP99Ms: 100, readyzAndLeaseAlways200: true },
  readyz: summarize(readyzMs),
  leaseRenewal: summarize(leaseMs),
  list: summarize(listMs),
  write: summarize(writeMs),
  answers: { ...codes, ...probeCodes },
});
