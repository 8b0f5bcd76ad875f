// Issue 12's bounds on a real server (HTTPS, SQLite in a temp dir): compaction on a schedule
// (a FakeClock drives it) and 410 Expired for what it discarded; signed continue tokens; list
// and watch parameters refused before any 200; a watcher that stops reading closed with 410
// once its bounded queue fills while other clients carry on; an informer that relists after
// such a close; /metrics.
import { request } from 'node:https';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { objectKey } from '../../src/apiserver/storage-keys.js';
import { FakeClock } from '../../src/client/clock.js';
import { Informer } from '../../src/client/informer.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const interval = 60_000;
const queueLimit = 20;
const clock = new FakeClock(Date.now());
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock, compactionIntervalMs: interval, watchQueueEvents: queueLimit });
  for (const name of ['paging', 'history', 'slow', 'burst'])
    await raw(server, 'POST', '/api/v1/namespaces', { body: { metadata: { name } } });
});
afterAll(async () => {
  await server.stop();
});

const ns = (name: string) => `/api/v1/namespaces/${name}/configmaps`;

async function createAll(path: string, names: string[], data: Record<string, string> = {}) {
  for (const name of names) {
    const r = await raw(server, 'POST', path, { body: { metadata: { name }, data } });
    expect(r.status).toBe(201);
  }
}

async function metric(name: string): Promise<number> {
  const text = (await raw(server, 'GET', '/metrics')).text;
  return Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

interface Event {
  type: string;
  object: any;
}

/**
 * A watch whose client reads nothing until read() is called: the server's writes fill the
 * socket and then its queue. read() takes everything, up to the end of the stream.
 */
function stalledWatch(path: string) {
  const ca = loadKubeconfig(server.kubeconfigPath).caData;
  const req = request(new URL(path, server.url), {
    headers: { authorization: `Bearer ${server.token}` },
    ca,
  });
  const response = new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    status: response.then((res) => res.statusCode),
    async read(): Promise<Event[]> {
      const res = await response;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.resume();
      await new Promise((resolve) => res.on('end', resolve));
      return Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    },
  };
}

/** A watch that reads everything, until `enough` holds. */
function readingWatch(path: string, enough: (events: Event[]) => boolean): Promise<Event[]> {
  const ca = loadKubeconfig(server.kubeconfigPath).caData;
  return new Promise((resolve, reject) => {
    const events: Event[] = [];
    let buffer = '';
    const req = request(
      new URL(path, server.url),
      { headers: { authorization: `Bearer ${server.token}` }, ca },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
            events.push(JSON.parse(buffer.slice(0, nl)));
            buffer = buffer.slice(nl + 1);
          }
          if (enough(events)) {
            req.destroy();
            resolve(events);
          }
        });
        res.on('end', () => resolve(events));
      },
    );
    req.on('error', (e) => (events.length ? undefined : reject(e)));
    req.end();
  });
}

describe('list and watch parameters', () => {
  it('refuses malformed or forbidden watch parameters with a Status before any 200', async () => {
    const path = ns('default');
    const bad: [string, number, string][] = [
      [
        'resourceVersion=abc',
        400,
        'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
      ],
      ['resourceVersion=-1', 400, 'strconv.ParseUint: parsing "-1": invalid syntax'],
      ['timeoutSeconds=soon', 400, 'timeoutSeconds: strconv.ParseInt: parsing "soon": invalid syntax'],
      [
        'allowWatchBookmarks=foo',
        400,
        'allowWatchBookmarks: strconv.ParseBool: parsing "foo": invalid syntax',
      ],
      ['labelSelector=a%20in%20(b', 400, 'unable to parse requirement'],
      ['fieldSelector=spec.nope%3Dx', 400, ''],
      [
        'sendInitialEvents=true',
        422,
        'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
      ],
      [
        'resourceVersionMatch=Exact',
        422,
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      ],
    ];
    for (const [query, code, message] of bad) {
      const r = await raw(server, 'GET', `${path}?watch=1&${query}`);
      expect({ query, status: r.status, kind: r.json?.kind }).toEqual({
        query,
        status: code,
        kind: 'Status',
      });
      expect(r.json.message).toContain(message);
    }
    const list = await raw(server, 'GET', `${path}?resourceVersionMatch=Exact`);
    expect(list.status).toBe(422);
    expect(list.json.message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    expect((await raw(server, 'GET', `${path}?limit=ten`)).status).toBe(400);
  });

  it('honours only the continue tokens it signed, for the list they were made for', async () => {
    await createAll(ns('paging'), ['a', 'b', 'c']);
    const first = await raw(server, 'GET', `${ns('paging')}?limit=1`);
    const token: string = first.json.metadata.continue;
    const second = await raw(server, 'GET', `${ns('paging')}?limit=1&continue=${token}`);
    expect(second.json.items.map((i: any) => i.metadata.name)).toEqual(['b']);

    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, rv: 1 })).toString('base64url');
    for (const bad of [forged, `${forged}.${signature}`, `${payload}.${'A'.repeat(signature!.length)}`]) {
      const r = await raw(server, 'GET', `${ns('paging')}?limit=1&continue=${bad}`);
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/^continue key is not valid: /);
    }
    const elsewhere = await raw(server, 'GET', `${ns('default')}?limit=1&continue=${token}`);
    expect(elsewhere.json.message).toBe('continue key is not valid: the token belongs to a different list');
    const withVersion = await raw(
      server,
      'GET',
      `${ns('paging')}?limit=1&continue=${token}&resourceVersion=5`,
    );
    expect(withVersion.json.message).toBe('specifying resource version is not allowed when using continue');
  });
});

describe('compaction on a schedule', () => {
  it('compacts to the revision of the previous tick; older lists, continue tokens and watches get 410 Expired', async () => {
    await createAll(ns('history'), ['h-1', 'h-2']);
    const old = (await raw(server, 'GET', `${ns('history')}?limit=1`)).json;
    const oldRevision = Number(old.metadata.resourceVersion);
    await createAll(ns('history'), ['h-3']);
    clock.step(interval);
    const atTick = server.store.currentRevision();
    await createAll(ns('history'), ['h-4']);
    clock.step(interval);
    await until('the second tick to compact', () => server.store.compactedRevision() === atTick);
    expect(await metric('apiserver_storage_compacted_revision')).toBe(atTick);

    const exact = await raw(
      server,
      'GET',
      `${ns('history')}?resourceVersion=${oldRevision}&resourceVersionMatch=Exact`,
    );
    expect(exact.status).toBe(410);
    expect(exact.json).toMatchObject({
      reason: 'Expired',
      code: 410,
      message: `too old resource version: ${oldRevision} (${atTick})`,
    });
    const kept = await raw(
      server,
      'GET',
      `${ns('history')}?resourceVersion=${atTick}&resourceVersionMatch=Exact`,
    );
    expect(kept.json.items.map((i: any) => i.metadata.name)).toEqual(['h-1', 'h-2', 'h-3']);

    const cont = await raw(server, 'GET', `${ns('history')}?limit=1&continue=${old.metadata.continue}`);
    expect(cont.status).toBe(410);
    expect(cont.json.message).toMatch(
      /^The provided continue parameter is too old to display a consistent list result/,
    );
    // kube's inconsistent continue: the rest of the list, read at the current revision.
    const rest = await raw(
      server,
      'GET',
      `${ns('history')}?limit=10&continue=${cont.json.metadata.continue}`,
    );
    expect(rest.json.items.map((i: any) => i.metadata.name)).toEqual(['h-2', 'h-3', 'h-4']);
    expect(Number(rest.json.metadata.resourceVersion)).toBe(server.store.currentRevision());

    // As kube's watch cache: a well-formed but compacted revision is an ERROR event in the stream.
    const events = await readingWatch(
      `${ns('history')}?watch=1&resourceVersion=${oldRevision}`,
      (e) => e.length > 0,
    );
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: {
        code: 410,
        reason: 'Expired',
        message: `too old resource version: ${oldRevision} (${atTick})`,
      },
    });
  });
});

describe('slow watchers', () => {
  const big = 'x'.repeat(512 * 1024);

  it('closes a watcher that stops reading with 410 once its queue is full, and nobody else notices', async () => {
    const path = ns('slow');
    const from = (await raw(server, 'GET', path)).json.metadata.resourceVersion;
    const terminatedBefore = await metric('apiserver_terminated_watchers_total{resource="configmaps"}');
    const stalled = stalledWatch(`${path}?watch=1&resourceVersion=${from}`);
    expect(await stalled.status).toBe(200);
    const names = [
      ...Array.from({ length: 24 }, (_, i) => `big-${i}`),
      ...Array.from({ length: 60 }, (_, i) => `small-${i}`),
    ];
    const healthy = readingWatch(`${path}?watch=1&resourceVersion=${from}`, (e) => e.length === names.length);
    // One write at a time, so the reading watcher's socket drains between events: ~12 MB is
    // more than the loopback socket buffers hold, and then the stalled watcher's queue fills.
    for (const name of names) {
      const r = await raw(server, 'POST', path, {
        body: { metadata: { name }, data: name.startsWith('big') ? { big } : {} },
      });
      expect(r.status).toBe(201);
    }
    await until(
      'the stalled watcher to be closed',
      async () =>
        (await metric('apiserver_terminated_watchers_total{resource="configmaps"}')) > terminatedBefore,
    );
    const seen = await healthy;
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(names.map((n) => `ADDED ${n}`));
    expect((await raw(server, 'GET', '/readyz')).status).toBe(200);

    const events = await stalled.read();
    expect(events.length).toBeLessThan(names.length);
    expect(events.at(-1)).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    expect(events.slice(0, -1).every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('has an informer whose watch is closed that way list again and end up with every object', async () => {
    const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
    const informer = new Informer<ConfigMap>(client, resource.configMaps, { namespace: 'burst' });
    try {
      informer.start();
      await informer.waitForSync();
      const terminatedBefore = await metric('apiserver_terminated_watchers_total{resource="configmaps"}');
      // One commit publishing ~20 MB at once, as a big apply can: written to the store in one
      // tick, so it is one transaction whose events reach the watch together. The informer's
      // socket fills before it can read, and the events behind overflow the queue.
      const names = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
      await Promise.all(
        names.map((name) =>
          server.store.create(
            objectKey(resource.configMaps, 'burst', name),
            JSON.stringify({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name, namespace: 'burst', uid: name },
              data: { big },
            }),
          ),
        ),
      );
      await until(
        'the informer watch to be closed',
        async () =>
          (await metric('apiserver_terminated_watchers_total{resource="configmaps"}')) > terminatedBefore,
      );
      await until('the informer to relist every object', () => informer.keys().length === names.length);
      expect(informer.keys().sort()).toEqual(names.map((n) => `burst/${n}`).sort());
    } finally {
      informer.stop();
      client.close();
    }
  });
});

describe('/metrics', () => {
  it('reports the store size, object counts and revisions to system:masters', async () => {
    const r = await raw(server, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(await metric('apiserver_storage_size_bytes{storage_cluster_id="sqlite"}')).toBeGreaterThan(0);
    expect(await metric('apiserver_storage_objects{resource="namespaces"}')).toBeGreaterThanOrEqual(4);
    expect(await metric('apiserver_storage_current_revision')).toBe(server.store.currentRevision());
    expect(r.text).toContain('# TYPE apiserver_terminated_watchers_total counter');
  });
});
