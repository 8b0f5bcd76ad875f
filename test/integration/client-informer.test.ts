// The client library against a real in-process API server (HTTPS, token, SQLite): informer
// ordering, surviving server-closed watches and a server restart, relisting after 410, and a
// work-queue-driven reconcile loop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { resourceByKind } from '../../src/api/resources.js';
import { FakeClock } from '../../src/client/clock.js';
import { Informer, InformerFactory } from '../../src/client/informer.js';
import { splitKey } from '../../src/client/object-key.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { WorkQueue } from '../../src/client/workqueue.js';
import { startTestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const configmaps = resourceByKind('v1', 'ConfigMap')!;
const namespaces = resourceByKind('v1', 'Namespace')!;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(options);
  cleanups.push(() => server.stop());
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  cleanups.push(() => client.close());
  return { server, client };
}

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap => ({
  metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  data,
});

function recordEvents(informer: Informer<ConfigMap>): string[] {
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`),
    onUpdate: (_old, o) => seen.push(`update ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`),
    onDelete: (o, { finalStateUnknown }) =>
      seen.push(`delete ${o.metadata?.name}${finalStateUnknown ? ' (relist)' : ''}`),
  });
  return seen;
}

describe('client against a real API server', () => {
  it('does CRUD, patches and paged lists, and reports failures as StatusError', async () => {
    const { client } = await setup();
    const cms = client.resource<ConfigMap>(configmaps, 'default');
    const created = await cms.create(cm('a', { k: '1' }));
    expect(created.metadata?.resourceVersion).toBeTruthy();
    await expect(cms.create(cm('a'))).rejects.toMatchObject({ reason: 'AlreadyExists', code: 409 });
    const patched = await cms.patch('a', { data: { k: '2' } }, 'merge');
    expect(patched.data).toEqual({ k: '2' });
    await expect(cms.update({ ...created, data: { k: 'stale' } })).rejects.toMatchObject({
      reason: 'Conflict',
    });
    for (const n of ['b', 'c', 'd', 'e']) await cms.create(cm(n));
    const page = await cms.list({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(page.metadata.continue).toBeTruthy();
    const all = await cms.listAll({ limit: 2 });
    expect(all.items.map((i) => i.metadata?.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await cms.delete('a');
    await expect(cms.get('a')).rejects.toMatchObject({
      reason: 'NotFound',
      message: 'configmaps "a" not found',
    });
  });

  it('names the server and the next step when nothing is listening', async () => {
    const server = await startTestServer();
    const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
    cleanups.push(() => client.close());
    await server.stop();
    await expect(client.resource(namespaces).list()).rejects.toThrow(
      new RegExp(`cannot reach the API server at ${server.url}.*kubelab status`),
    );
  });

  it('informer sees creates, updates and deletes in order and indexes them', async () => {
    const { client } = await setup();
    const cms = client.resource<ConfigMap>(configmaps, 'default');
    await cms.create(cm('before', { v: '0' }));
    const informer = new Informer<ConfigMap>(client, configmaps, { namespace: 'default' });
    cleanups.push(() => informer.stop());
    const seen = recordEvents(informer);
    informer.start();
    await informer.waitForSync();
    expect(informer.get('default/before')?.data).toEqual({ v: '0' });

    await cms.create(cm('x', { v: '1' }));
    await cms.patch('x', { data: { v: '2' } }, 'merge');
    await cms.patch('before', { data: { v: '3' } }, 'merge');
    await cms.delete('x');
    await until('the delete', () => seen.length === 5);
    expect(seen).toEqual([
      'add before {"v":"0"}',
      'add x {"v":"1"}',
      'update x {"v":"2"}',
      'update before {"v":"3"}',
      'delete x',
    ]);
    expect(informer.byIndex('namespace', 'default').map((o) => o.metadata?.name)).toEqual(['before']);
    expect(informer.get('default/before')).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(informer.state).toMatchObject({ connected: true, synced: true });
  });

  it('resumes after the server closes watches, without missing or repeating events', async () => {
    // The server closes every watch after 100 ms; counting the watches it opens shows the
    // informer coming back.
    let watches = 0;
    const { client } = await setup({
      watchTimeoutMs: () => {
        watches++;
        return 100;
      },
    });
    const cms = client.resource<ConfigMap>(configmaps, 'default');
    const informer = new Informer<ConfigMap>(client, configmaps, { namespace: 'default' });
    cleanups.push(() => informer.stop());
    const seen = recordEvents(informer);
    informer.start();
    await informer.waitForSync();
    const reopened = async () => {
      const before = watches;
      await until('the watch closed and reopened', () => watches > before);
    };
    const names = Array.from({ length: 8 }, (_, i) => `cm-${i}`);
    for (const [i, name] of names.entries()) {
      await cms.create(cm(name));
      // Spread the writes over several server-side watch timeouts.
      if (i % 2 === 1) await reopened();
    }
    await until('all adds', () => seen.length >= names.length);
    // Resumed once more after the last event, then a marker: nothing before it came twice.
    await reopened();
    await cms.create(cm('marker'));
    await until('the marker', () => seen.includes('add marker {}'));
    expect(seen).toEqual([...names, 'marker'].map((n) => `add ${n} {}`));
    expect(watches).toBeGreaterThanOrEqual(6);
    expect(informer.state.connected).toBe(true);
  });

  it('relists after a 410 and reports what changed while it was away', async () => {
    // The restarted server reuses the data folder, and so the same CA, token and objects.
    const dataDir = await mkdtemp(join(tmpdir(), 'kubelab-client-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let server = await startTestServer({ dataDir });
    cleanups.push(() => server.stop());
    const port = Number(new URL(server.url).port);
    const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
    cleanups.push(() => client.close());
    const cms = client.resource<ConfigMap>(configmaps, 'default');
    for (const name of ['keep', 'change', 'remove', 'recreate']) await cms.create(cm(name, { v: '1' }));

    // A FakeClock holds the informer in its reconnect backoff while we change things.
    const clock = new FakeClock();
    const informer = new Informer<ConfigMap>(client, configmaps, { namespace: 'default', clock });
    cleanups.push(() => informer.stop());
    const seen = recordEvents(informer);
    const states: string[] = [];
    informer.onStateChange((s) => states.push(s.connected ? 'connected' : 'disconnected'));
    informer.start();
    await informer.waitForSync();
    seen.length = 0;
    states.length = 0;

    await server.stop();
    server = await startTestServer({ dataDir, port });
    await until('the informer to notice the server went away', () => !informer.state.connected);

    await cms.patch('change', { data: { v: '2' } }, 'merge');
    await cms.delete('remove');
    await cms.delete('recreate');
    await cms.create(cm('recreate', { v: 'new' }));
    await cms.create(cm('added', { v: '1' }));
    await server.store.compact(server.store.currentRevision());

    clock.step(100);
    await until('the relist', () => seen.length === 5);
    expect(seen).toEqual([
      // Deletions first, then the list in its (key) order.
      'delete remove (relist)',
      'add added {"v":"1"}',
      'update change {"v":"2"}',
      'delete recreate (relist)',
      'add recreate {"v":"new"}',
    ]);
    expect(informer.keys().sort()).toEqual([
      'default/added',
      'default/change',
      'default/keep',
      'default/recreate',
    ]);
    expect(states[0]).toBe('disconnected');
    expect(states.at(-1)).toBe('connected');
    // The rebuilt cache keeps following the watch.
    await cms.delete('keep');
    await until('the live delete', () => seen.at(-1) === 'delete keep');
  });

  it('drives a reconcile loop through a work queue until the world converges', async () => {
    const { client } = await setup();
    const cms = client.resource<ConfigMap>(configmaps, 'default');
    const factory = new InformerFactory(client);
    cleanups.push(() => factory.stop());
    const informer = factory.informerFor<ConfigMap>(configmaps, { namespace: 'default' });
    expect(factory.informerFor<ConfigMap>(configmaps, { namespace: 'default' })).toBe(informer);
    const queue = new WorkQueue<string>();
    cleanups.push(() => queue.shutDown());

    // Toy controller: every ConfigMap labelled source=yes has a `<name>-mirror` with the same data.
    const sourceKey = (o: ConfigMap) => {
      const name = o.metadata?.name ?? '';
      const source = name.endsWith('-mirror') ? name.slice(0, -'-mirror'.length) : name;
      return `default/${source}`;
    };
    informer.addEventHandler({
      onAdd: (o) => queue.add(sourceKey(o)),
      onUpdate: (_old, o) => queue.add(sourceKey(o)),
      onDelete: (o) => queue.add(sourceKey(o)),
    });
    let overlapped = false;
    const active = new Set<string>();
    const reconcile = async (key: string) => {
      const { name } = splitKey(key);
      const source = informer.get(key);
      const mirror = informer.get(`${key}-mirror`);
      const wanted = source?.metadata?.labels?.source === 'yes';
      if (!wanted) {
        if (mirror) await cms.delete(`${name}-mirror`);
        return;
      }
      if (!mirror) await cms.create(cm(`${name}-mirror`, source?.data ?? {}));
      else if (JSON.stringify(mirror.data ?? {}) !== JSON.stringify(source?.data ?? {})) {
        await cms.update({ ...mirror, data: source?.data ?? {} });
      }
    };
    const worker = async () => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        if (active.has(key)) overlapped = true;
        active.add(key);
        try {
          await reconcile(key);
          queue.forget(key);
        } catch {
          // Stale cache (AlreadyExists, Conflict, NotFound): retry once the cache catches up.
          queue.addRateLimited(key);
        } finally {
          active.delete(key);
          queue.done(key);
        }
      }
    };
    factory.start();
    await factory.waitForSync();
    const workers = [worker(), worker(), worker()];

    for (const n of ['a', 'b', 'c', 'd']) await cms.create(cm(n, { n }, { source: 'yes' }));
    await cms.patch('a', { data: { n: 'a2' } }, 'merge');
    await cms.patch('b', { metadata: { labels: { source: 'no' } } }, 'merge');
    await cms.delete('c');

    const converged = () => {
      const names = informer
        .list()
        .map((o) => `${o.metadata?.name}=${o.data?.n}`)
        .sort();
      return JSON.stringify(names) === JSON.stringify(['a-mirror=a2', 'a=a2', 'b=b', 'd-mirror=d', 'd=d']);
    };
    await until('the mirrors to converge', converged);
    const onServer = (await cms.listAll()).items.map((o) => o.metadata?.name).sort();
    expect(onServer).toEqual(['a', 'a-mirror', 'b', 'd', 'd-mirror']);
    expect(overlapped).toBe(false);
    queue.shutDown();
    await Promise.all(workers);
    expect(active.size).toBe(0);
  });
});
