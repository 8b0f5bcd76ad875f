// The dashboard's data feed against a real in-process API server (HTTPS, token, SQLite): frames
// carry what the informers listed and watched, each event occurrence once, the metrics
// sample's answer, and a lost server as disconnected until it is back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { resources } from '../../src/api/resources.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { DashboardFeed, type DashboardFrame } from '../../src/dashboard/dashboard-feed.js';
import { startTestServer } from '../helpers/test-server.js';
import { event, node, pod } from '../helpers/tui-fixtures.js';
import { until } from '../helpers/until.js';

const info = (kind: string) => resources.find((r) => r.kind === kind)!;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Strips what the server sets, so a fixture can be created. */
const fresh = <T extends { metadata?: object; status?: object }>(o: T, keepStatus = false): T => {
  const { uid: _uid, creationTimestamp: _created, ...metadata } = o.metadata as Record<string, unknown>;
  return { ...o, metadata, ...(keepStatus ? {} : { status: undefined }) };
};

async function setup(dataDir?: string, port?: number) {
  const server = await startTestServer({ profile: profiles.k8s, dataDir, port });
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  const feed = new DashboardFeed(client, {
    frameIntervalMs: 20,
    sampleIntervalMs: 200,
    sampleTimeoutMs: 1_000,
  });
  const frames: DashboardFrame[] = [];
  feed.onFrame((f) => frames.push(f));
  cleanups.push(
    () => server.stop(),
    () => client.close(),
    () => feed.stop(),
  );
  return { server, client, feed, frames };
}

const frameWhen = (frames: DashboardFrame[], what: string, check: (f: DashboardFrame) => boolean) =>
  until(what, () => frames.findLast(check), 20_000);

describe('DashboardFeed against a real API server', () => {
  it('frames what the informers see, each event occurrence once, and the metrics answer', async () => {
    const { client, feed, frames } = await setup();
    await client.resource<Node>(info('Node')).create(fresh(node('lab-worker'), true));
    const pods = client.resource<Pod>(info('Pod'), 'default');
    await pods.create(fresh(pod('web-1', 'lab-worker')));
    await pods.create(fresh(pod('web-2', undefined)));
    const events = client.resource<Event>(info('Event'), 'default');
    const created = await events.create(
      fresh(event('Scheduled', { kind: 'Pod', name: 'web-1' }, 'assigned')),
    );
    feed.start();

    const listed = await frameWhen(frames, 'nodes and pods listed', (f) => f.synced && f.pods.length === 2);
    expect(listed.connection.phase).toBe('connected');
    expect(listed.nodes.map((n) => n.metadata?.name)).toEqual(['lab-worker']);
    const seen = () => frames.flatMap((f) => f.newEvents);
    await until('the listed event in the log', () => seen().length === 1);
    expect(seen()[0]).toMatchObject({ object: 'pod/web-1', reason: 'Scheduled', message: 'assigned' });

    // The server serves metrics.k8s.io; a node without a kubelet to scrape has no usage.
    const sampled = await frameWhen(frames, 'a metrics answer', (f) => f.metrics !== undefined);
    expect(sampled.metrics).toMatchObject({ available: true });
    expect(sampled.usage.length).toBeGreaterThan(0);
    expect(sampled.usage.at(-1)?.nodes.size).toBe(0);

    // A repeat (count raised) is a new line; a label change is not.
    await events.patch(
      created.metadata!.name!,
      { count: 2, lastTimestamp: new Date().toISOString() },
      'merge',
    );
    await until('the repeat in the log', () => seen().length === 2);
    expect(seen()[1]?.message).toBe('assigned (x2)');
    await events.patch(created.metadata!.name!, { metadata: { labels: { seen: 'yes' } } }, 'merge');
    await pods.delete('web-2');
    await frameWhen(frames, 'web-2 gone', (f) => f.pods.length === 1);
    expect(seen()).toHaveLength(2);
  });

  it('shows a lost API server as disconnected with the reason, and recovers when it is back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kubelab-dashboard-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { server, feed, frames } = await setup(dataDir);
    const port = Number(new URL(server.url).port);
    feed.start();
    await frameWhen(frames, 'connected', (f) => f.connection.phase === 'connected');

    await server.stop();
    const down = await frameWhen(frames, 'disconnected', (f) => f.connection.phase === 'disconnected');
    expect(down.connection.error).toMatch(/cannot reach the API server|ECONNREFUSED|timed out/);

    const restarted = await startTestServer({ dataDir, port, profile: profiles.k8s });
    cleanups.push(() => restarted.stop());
    const back = await frameWhen(
      frames,
      'connected again',
      (f) => f.connection.phase === 'connected' && frames.indexOf(f) > frames.indexOf(down),
    );
    expect(back.connection.error).toBeUndefined();
  });
});
