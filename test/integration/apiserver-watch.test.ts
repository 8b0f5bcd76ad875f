// Watch over real HTTPS: ordered events, resume from a resourceVersion, selector
// transitions, bookmarks, server-side timeouts, and 410 Expired after compaction.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ bookmarkIntervalMs: 200 });
});
afterAll(async () => {
  await server.stop();
});

interface Event {
  type: string;
  object: any;
}

/** Opens a watch and collects its events until `until` is satisfied or the stream ends. */
function watch(
  path: string,
  until: (events: Event[]) => boolean,
  timeoutMs = 5000,
): Promise<{ events: Event[]; ended: boolean }> {
  const ca = loadKubeconfig(server.kubeconfigPath).caData;
  return new Promise((resolve, reject) => {
    const events: Event[] = [];
    let buffer = '';
    let finished = false;
    const finish = (ended: boolean) => {
      if (finished) return;
      finished = true;
      deadline.removeEventListener('abort', onDeadline);
      req.destroy();
      resolve({ events, ended });
    };
    // A deadline, not a wait: the watch ends as soon as `until` holds or the server ends it.
    const deadline = AbortSignal.timeout(timeoutMs);
    const onDeadline = () => finish(false);
    deadline.addEventListener('abort', onDeadline);
    const req = request(
      new URL(path, server.url),
      { headers: { authorization: `Bearer ${server.token}` }, ca },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let nl = buffer.indexOf('\n');
          while (nl >= 0) {
            events.push(JSON.parse(buffer.slice(0, nl)));
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf('\n');
          }
          if (until(events)) finish(false);
        });
        res.on('end', () => finish(true));
      },
    );
    req.on('error', (e) => (finished ? undefined : reject(e)));
    req.end();
  });
}

const cmPath = '/api/v1/namespaces/default/configmaps';

describe('watch', () => {
  it('delivers every change after a resourceVersion, in order, exactly once', async () => {
    const start = (await raw(server, 'GET', cmPath)).json.metadata.resourceVersion;
    const seen = watch(`${cmPath}?watch=1&resourceVersion=${start}`, (ev) => ev.length >= 30);
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const name = `w-${i}`;
        await raw(server, 'POST', cmPath, { body: { metadata: { name }, data: { v: '1' } } });
        await raw(server, 'PATCH', `${cmPath}/${name}`, {
          body: { data: { v: '2' } },
          contentType: 'application/merge-patch+json',
        });
        await raw(server, 'DELETE', `${cmPath}/${name}`);
      }),
    );
    const { events } = await seen;
    expect(events).toHaveLength(30);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    expect(new Set(rvs).size).toBe(30);
    for (let i = 0; i < 10; i++) {
      expect(events.filter((e) => e.object.metadata.name === `w-${i}`).map((e) => e.type)).toEqual([
        'ADDED',
        'MODIFIED',
        'DELETED',
      ]);
    }
    expect(events[0]!.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
  });

  it('starts with the current state when no resourceVersion is given, and resumes from the last one seen', async () => {
    await raw(server, 'POST', cmPath, { body: { metadata: { name: 'r-1' } } });
    const first = await watch(`${cmPath}?watch=1`, (ev) => ev.some((e) => e.object.metadata.name === 'r-1'));
    const last = first.events.at(-1)!.object.metadata.resourceVersion;
    await raw(server, 'POST', cmPath, { body: { metadata: { name: 'r-2' } } });
    const resumed = await watch(`${cmPath}?watch=1&resourceVersion=${last}`, (ev) => ev.length >= 1);
    expect(resumed.events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'r-2']]);
  });

  it('turns label-selector transitions into ADDED and DELETED', async () => {
    const start = (await raw(server, 'GET', cmPath)).json.metadata.resourceVersion;
    const seen = watch(
      `${cmPath}?watch=1&resourceVersion=${start}&labelSelector=tier%3Dfront`,
      (ev) => ev.length >= 2,
    );
    await raw(server, 'POST', cmPath, { body: { metadata: { name: 'sel', labels: { tier: 'back' } } } });
    const patch = (tier: string) =>
      raw(server, 'PATCH', `${cmPath}/sel`, {
        body: { metadata: { labels: { tier } } },
        contentType: 'application/merge-patch+json',
      });
    await patch('front');
    await patch('back');
    const { events } = await seen;
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('watches one object by name and sends bookmarks when asked', async () => {
    const start = (await raw(server, 'GET', cmPath)).json.metadata.resourceVersion;
    const seen = watch(
      `${cmPath}/one?watch=1&resourceVersion=${start}&allowWatchBookmarks=true`,
      (ev) => ev.some((e) => e.type === 'BOOKMARK') && ev.some((e) => e.type === 'ADDED'),
    );
    await raw(server, 'POST', cmPath, { body: { metadata: { name: 'other' } } });
    await raw(server, 'POST', cmPath, { body: { metadata: { name: 'one' } } });
    const { events } = await seen;
    const named = events.filter((e) => e.type !== 'BOOKMARK');
    expect(named.map((e) => e.object.metadata.name)).toEqual(['one']);
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(start));
  });

  it('closes the watch after timeoutSeconds', async () => {
    const t0 = Date.now();
    const { ended } = await watch(`${cmPath}?watch=1&timeoutSeconds=1`, () => false, 5000);
    expect(ended).toBe(true);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('answers a watch or a continue token older than the compacted revision with 410 Expired', async () => {
    const old = (await raw(server, 'GET', cmPath)).json.metadata.resourceVersion;
    const page = await raw(server, 'GET', `${cmPath}?limit=1`);
    await raw(server, 'POST', cmPath, { body: { metadata: { name: 'after-compact' } } });
    await server.store.compact(server.store.currentRevision());
    const { events } = await watch(`${cmPath}?watch=1&resourceVersion=${old}`, (ev) => ev.length > 0);
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    const cont = await raw(server, 'GET', `${cmPath}?limit=1&continue=${page.json.metadata.continue}`);
    expect(cont.status).toBe(410);
    expect(cont.json.reason).toBe('Expired');
  });
});
