// Memory of watch catch-up: a history of 100,000 revisions (1,000 ConfigMaps of ~1 KB, each
// updated 100 times), then 20 watches from the oldest retained revision at once. Each watcher
// reads as fast as it can and resumes from its last resourceVersion when the server closes
// its stream (as RetryWatcher does), until it has reached the last revision. The server's RSS
// is sampled every 100 ms. Target: peak RSS growth <= 100 MiB.
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { ApiClient } from '../src/client/rest-client.js';
import { WatchDecoder } from '../src/client/watch.js';
import { rawCaller, report, rssMiB, startServerProcess } from './harness.js';

const keys = 1000;
const revisions = Number(process.env.BENCH_REVISIONS ?? 100_000);
const watchers = Number(process.env.BENCH_WATCHERS ?? 20);

const server = await startServerProcess(['--no-controllers']); // the API server and store alone: what this measures
const pid = server.child.pid!;
const admin = rawCaller(server.kubeconfig);
const cmPath = '/api/v1/namespaces/default/configmaps';
const blob = 'x'.repeat(1000);
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: 32 }, async () => {
    for (let i = next++; i < revisions; i = next++) {
      const name = `cm-${i % keys}`;
      const answer =
        i < keys
          ? await admin.request('POST', cmPath, { metadata: { name }, data: { blob, i: String(i) } })
          : await admin.request(
              'PATCH',
              `${cmPath}/${name}`,
              { data: { i: String(i) } },
              'application/merge-patch+json',
            );
      if (answer.status >= 300) throw new Error(`write ${i}: ${answer.status} ${answer.body}`);
    }
  }),
);
const writeSeconds = (performance.now() - t0) / 1000;
const list = JSON.parse((await admin.request('GET', `${cmPath}?limit=1`)).body);
const lastRevision = Number(list.metadata.resourceVersion);
// The oldest revision a watch may start from: 1 on a fresh store, else the compacted one.
const metrics = await admin.request('GET', '/metrics');
const compacted = Number(/^apiserver_storage_compacted_revision (\d+)/m.exec(metrics.body)?.[1] ?? 1);
const from = Math.max(1, compacted);

const baseline = await rssMiB(pid);
let peak = baseline;
const sampler = setInterval(() => {
  void rssMiB(pid).then((mib) => {
    peak = Math.max(peak, mib);
  });
}, 100);

const client = new ApiClient(loadKubeconfig(server.kubeconfig));
const catchUp0 = performance.now();
const outcomes = await Promise.all(
  Array.from({ length: watchers }, async () => {
    let rv = from;
    let events = 0;
    let streams = 0;
    const closes: Record<string, number> = {};
    while (rv < lastRevision) {
      streams++;
      const res = await client.stream(
        cmPath,
        { watch: 1, resourceVersion: rv },
        AbortSignal.timeout(600_000),
      );
      const decoder = new WatchDecoder();
      await new Promise<void>((resolve) => {
        res.on('data', (chunk: Buffer) => {
          for (const e of decoder.push(chunk)) {
            if (e.type === 'ERROR') {
              const why = `${e.object.code} ${e.object.reason}`;
              closes[why] = (closes[why] ?? 0) + 1;
              // Expired (history compacted, or this watcher fell too far behind): a real client
              // relists, which brings it to the current revision, so this watcher is done.
              if (e.object.code === 410) rv = lastRevision;
              continue;
            }
            events++;
            rv = Number(e.object.metadata?.resourceVersion ?? rv);
          }
          if (rv >= lastRevision) res.destroy();
        });
        res.on('close', resolve);
        res.on('error', () => resolve());
      });
    }
    return { events, streams, closes };
  }),
);
const catchUpSeconds = (performance.now() - catchUp0) / 1000;
clearInterval(sampler);
peak = Math.max(peak, await rssMiB(pid));
client.close();
admin.close();
await server.stop();

await report('watch-catchup-rss', {
  description: `${revisions} revisions (${keys} ConfigMaps of ~1 KB, ${revisions / keys} writes each), then ${watchers} watches from revision ${from} at once, each resuming after a close until it reached revision ${lastRevision}; server RSS sampled every 100 ms`,
  targets: { rssGrowthMiB: 100 },
  writeSeconds: Math.round(writeSeconds),
  catchUpSeconds: Math.round(catchUpSeconds * 10) / 10,
  rssBaselineMiB: baseline,
  rssPeakMiB: peak,
  rssGrowthMiB: Math.round((peak - baseline) * 10) / 10,
  eventsPerWatcher: outcomes.map((o) => o.events),
  streamsPerWatcher: outcomes.map((o) => o.streams),
  serverCloses: outcomes.reduce<Record<string, number>>((all, o) => {
    for (const [k, v] of Object.entries(o.closes)) all[k] = (all[k] ?? 0) + v;
    return all;
  }, {}),
});
