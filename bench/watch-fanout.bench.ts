// Watch fan-out: 1,000 concurrent watch connections on one resource; each write's delivery
// latency (from the client sending the write to each watcher parsing the event) across all
// watchers. Target: p99 <= 100 ms.
import { resource } from '../src/api/resources.js';
import { ApiClient } from '../src/client/rest-client.js';
import { WatchDecoder } from '../src/client/watch.js';
import { report, startServerProcess, summarize } from './harness.js';

const watchers = Number(process.env.BENCH_WATCHERS ?? 1000);
const writes = Number(process.env.BENCH_WRITES ?? 50);

const server = await startServerProcess(['--no-controllers']); // the API server and store alone: what this measures
const writer = server.client();
// Watch connections spread over several clients (sockets), as independent components would be.
const clients = Array.from({ length: 10 }, () => ApiClient.fromKubeconfig(server.kubeconfig));
const sentAt = new Map<string, number>();
const latencies: number[] = [];
let received = 0;
const rv = (await writer.resource(resource.configMaps, 'default').list()).metadata.resourceVersion!;
const controller = new AbortController();

await Promise.all(
  Array.from({ length: watchers }, async (_, i) => {
    const client = clients[i % clients.length]!;
    const res = await client.stream(
      '/api/v1/namespaces/default/configmaps',
      { watch: 1, resourceVersion: rv },
      controller.signal,
    );
    const decoder = new WatchDecoder();
    res.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.type === 'ERROR') continue;
        const t0 = sentAt.get(ev.object.metadata?.name ?? '');
        if (t0 !== undefined) {
          latencies.push(performance.now() - t0);
          received++;
        }
      }
    });
    res.on('error', () => {});
  }),
);

const rc = writer.resource(resource.configMaps, 'default');
for (let i = 0; i < writes; i++) {
  const name = `fan-${i}`;
  sentAt.set(name, performance.now());
  await rc.create({ metadata: { name }, data: { i: String(i) } } as never);
  await new Promise((r) => setTimeout(r, 100));
}
const deadline = Date.now() + 10_000;
while (received < watchers * writes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
controller.abort();
for (const c of [writer, ...clients]) c.close();
await server.stop();

await report('watch-fanout', {
  description: `${watchers} HTTPS watchers, ${writes} creates spaced 100 ms; latency from sending the write to each watcher parsing the event`,
  targets: { p99Ms: 100 },
  watchers,
  writes,
  delivered: received,
  expected: watchers * writes,
  ...summarize(latencies),
});
