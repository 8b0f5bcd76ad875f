// Health under load: 200 busy clients (node credentials, so the in-flight limits apply to
// them) hammer one server, half listing 200 ConfigMaps of ~1 KB, half creating Events, each
// sending its next request as soon as the last one is answered. Meanwhile /readyz is asked
// every 100 ms and a node renews its Lease every 100 ms. Targets: /readyz p99 <= 100 ms, and
// every /readyz and Lease renewal answered 200 (never 429) however busy the server is.
import { rawCaller, report, startServerProcess, summarize } from './harness.js';

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
const leasePath = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const renewer = rawCaller(server.kubeconfig, nodeTokens[0]);
const lease = await renewer.request('POST', leasePath, {
  metadata: { name: 'node-0', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'node-0', leaseDurationSeconds: 40 },
});
if (lease.status !== 201) throw new Error(`lease: ${lease.status} ${lease.body}`);

const deadline = performance.now() + durationMs;
const codes: Record<string, number> = {};
const count = (what: string, status: number) => {
  const key = `${what} ${status}`;
  codes[key] = (codes[key] ?? 0) + 1;
};
const listMs: number[] = [];
const writeMs: number[] = [];
let seq = 0;
const busy = Array.from({ length: busyClients }, async (_, i) => {
  const caller = rawCaller(server.kubeconfig, nodeTokens[i % nodes]);
  const reads = i % 2 === 0;
  while (performance.now() < deadline) {
    const answer = reads
      ? await caller.request('GET', cmPath)
      : await caller.request('POST', '/api/v1/namespaces/default/events', {
          metadata: { name: `busy-${i}-${seq++}`, namespace: 'default' },
          involvedObject: { kind: 'Node', name: `node-${i % nodes}` },
          reason: 'Busy',
          message: 'benchmark load',
        });
    count(reads ? 'list' : 'write', answer.status);
    if (answer.status < 300) (reads ? listMs : writeMs).push(answer.ms);
    // A refused client waits as client-go would (Retry-After: 1 s) instead of spinning.
    if (answer.status === 429) await new Promise((r) => setTimeout(r, 1000));
  }
  caller.close();
});

/** Asks `probe` every 100 ms until the load ends; the latencies of its answers. */
async function every100ms(what: string, probe: () => Promise<{ status: number; ms: number }>) {
  const ms: number[] = [];
  while (performance.now() < deadline) {
    const answer = await probe();
    count(what, answer.status);
    ms.push(answer.ms);
    await new Promise((r) => setTimeout(r, 100));
  }
  return ms;
}
const health = rawCaller(server.kubeconfig, nodeTokens[1]);
let renewals = 0;
const [readyzMs, leaseMs] = await Promise.all([
  every100ms('readyz', () => health.request('GET', '/readyz')),
  every100ms('lease', () =>
    renewer.request(
      'PATCH',
      `${leasePath}/node-0`,
      {
        spec: { renewTime: new Date(Date.now() + renewals++).toISOString().replace(/\.\d+Z$/, '.000000Z') },
      },
      'application/merge-patch+json',
    ),
  ),
  ...busy,
]);
for (const c of [admin, renewer, health]) c.close();
await server.stop();

await report('readyz-under-load', {
  description: `${busyClients} busy clients (node credentials, half listing ${objects} ConfigMaps of ~1 KB, half creating Events) for ${durationMs / 1000} s; /readyz and a node Lease renewal every 100 ms`,
  targets: { readyzP99Ms: 100, readyzAndLeaseAlways200: true },
  readyz: summarize(readyzMs),
  leaseRenewal: summarize(leaseMs),
  list: summarize(listMs),
  write: summarize(writeMs),
  answers: codes,
});
