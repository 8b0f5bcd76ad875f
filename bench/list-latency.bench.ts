// List latency with 10,000 objects of one resource: a full list, and a paged list
// (limit=500, following continue tokens), through the HTTPS API.
import { resource } from '../src/api/resources.js';
import { report, startServerProcess, summarize } from './harness.js';

const objects = Number(process.env.BENCH_OBJECTS ?? 10_000);
const runs = 20;

const server = await startServerProcess(['--no-controllers']); // the API server and store alone: what this measures
const client = server.client();
const rc = client.resource(resource.configMaps, 'default');
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < objects) {
      const i = next++;
      await rc.create({
        metadata: { name: `obj-${String(i).padStart(5, '0')}`, labels: { app: 'bench' } },
        data: { i: String(i) },
      } as never);
    }
  }),
);
const full: number[] = [];
const paged: number[] = [];
for (let i = 0; i < runs; i++) {
  let t0 = performance.now();
  const list = await rc.list();
  full.push(performance.now() - t0);
  if (list.items.length !== objects + 0)
    throw new Error(`expected ${objects} items, got ${list.items.length}`);
  t0 = performance.now();
  const all = await rc.listAll({ limit: 500 });
  paged.push(performance.now() - t0);
  if (all.items.length !== objects) throw new Error(`paged list returned ${all.items.length}`);
}
client.close();
await server.stop();
await report('list-latency', {
  description: `${objects} ConfigMaps in one namespace, listed through the HTTPS API ${runs} times`,
  objects,
  fullList: summarize(full),
  pagedList500: summarize(paged),
});
