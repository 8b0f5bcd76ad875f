import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';

// Loose measurements of the raw store on a real file (printed, never asserted: tests assert
// behaviour, timings vary by machine). Each case still checks that every write landed.
const dir = mkdtempSync(join(tmpdir(), 'kubelab-throughput-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const podJson = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', args: ['x'.repeat(800)] }] },
});

function percentile(sorted: number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!.toFixed(2));
}

describe('SqliteStore throughput', () => {
  it.each([
    { synchronous: 'FULL', concurrency: 1, writes: 2000 },
    { synchronous: 'FULL', concurrency: 16, writes: 16_000 },
    { synchronous: 'NORMAL', concurrency: 1, writes: 2000 },
    { synchronous: 'NORMAL', concurrency: 16, writes: 16_000 },
  ] as const)('$synchronous at concurrency $concurrency', async ({ synchronous, concurrency, writes }) => {
    const store = SqliteStore.open(join(dir, `${synchronous}-${concurrency}.db`), { synchronous });
    const latencies: number[] = [];
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < writes) {
          const key = `/registry/pods/default/web-${issued++}`;
          const t = performance.now();
          await store.create(key, podJson);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);

    const listStarted = performance.now();
    const all = await store.list('/registry/pods/');
    const listMs = performance.now() - listStarted;
    await store.close();

    console.log(
      JSON.stringify({
        store: 'sqlite',
        synchronous,
        concurrency,
        writesPerSecond: Math.round(writes / seconds),
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        [`list${writes}Ms`]: Number(listMs.toFixed(1)),
      }),
    );
    expect(all.items).toHaveLength(writes);
    expect(all.revision).toBe(writes);
  });
});
