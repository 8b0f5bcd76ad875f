// Durable writes per second through the API (HTTPS, auth, validation, SQLite with fsync),
// and their latency, with 1 and 16 concurrent clients. Each write is a ConfigMap create that
// the server acknowledges only after commit. Target: >= 2,000 writes/s at 16 clients, p99 <= 20 ms.
import { resource } from '../src/api/resources.js';
import { report, startServerProcess, summarize } from './harness.js';

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);

async function run(concurrency: number) {
  const server = await startServerProcess(['--no-controllers']); // the API server and store alone: what this measures
  const client = server.client();
  const rc = client.resource(resource.configMaps, 'default');
  const latencies: number[] = [];
  let seq = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        const name = `cm-${worker}-${seq++}`;
        const t0 = performance.now();
        await rc.create({ metadata: { name }, data: { value: 'x'.repeat(256) } } as never);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  await server.stop();
  return { concurrency, writesPerSecond: Math.round(latencies.length / elapsed), ...summarize(latencies) };
}

const results = [await run(1), await run(16)];
await report('api-writes', {
  description:
    'durable ConfigMap creates through the HTTPS API (fsync per commit batch); API server only (--no-controllers)',
  targets: { writesPerSecondAt16: 2000, p99MsAt16: 20 },
  results,
});
