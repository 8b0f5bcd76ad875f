import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { type KeyValue, StoreError, type WatchEvent, type WatchOptions } from '../../src/store/store.js';

const open: SqliteStore[] = [];
const dirs: string[] = [];

function memoryStore(): SqliteStore {
  const store = SqliteStore.open(':memory:');
  open.push(store);
  return store;
}

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-store-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

function thrownStoreError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}

/** Collects a watch's events; `settled` waits for the microtasks that deliver them. */
function collect(store: SqliteStore, prefix: string, after: number, options: WatchOptions = {}) {
  const events: WatchEvent[] = [];
  const watch = store.watch(prefix, after, (e) => events.push(e), options);
  return { events, watch };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const summary = (e: WatchEvent): string => `${e.type} ${e.kv.key}@${e.kv.modRevision}=${e.kv.value}`;

describe('SqliteStore writes and reads', () => {
  it('creates, gets, updates and deletes with one revision per write', async () => {
    const store = memoryStore();
    expect(store.currentRevision()).toBe(0);
    const created = await store.create('/registry/pods/a', '{"v":1}');
    expect(created).toEqual({ key: '/registry/pods/a', value: '{"v":1}', createRevision: 1, modRevision: 1 });
    expect(await store.get('/registry/pods/a')).toEqual(created);

    const updated = await store.update('/registry/pods/a', '{"v":2}', 1);
    expect(updated).toEqual({ key: '/registry/pods/a', value: '{"v":2}', createRevision: 1, modRevision: 2 });
    expect(await store.update('/registry/pods/a', '{"v":3}')).toMatchObject({
      modRevision: 3,
      createRevision: 1,
    });

    const deleted = await store.delete('/registry/pods/a', 3);
    expect(deleted).toEqual({ key: '/registry/pods/a', value: '{"v":3}', createRevision: 1, modRevision: 4 });
    expect(await store.get('/registry/pods/a')).toBeUndefined();
    expect(store.currentRevision()).toBe(4);

    const recreated = await store.create('/registry/pods/a', '{"v":5}');
    expect(recreated).toMatchObject({ createRevision: 5, modRevision: 5 });
  });

  it.each([
    {
      name: 'create of an existing key',
      write: (s: SqliteStore) => s.create('/k', 'x'),
      code: 'KeyExists',
      revision: undefined,
    },
    {
      name: 'update of a missing key',
      write: (s: SqliteStore) => s.update('/missing', 'x'),
      code: 'KeyNotFound',
    },
    { name: 'delete of a missing key', write: (s: SqliteStore) => s.delete('/missing'), code: 'KeyNotFound' },
    {
      name: 'update with a stale revision',
      write: (s: SqliteStore) => s.update('/k', 'x', 1),
      code: 'Conflict',
      revision: 2,
    },
    {
      name: 'delete with a stale revision',
      write: (s: SqliteStore) => s.delete('/k', 1),
      code: 'Conflict',
      revision: 2,
    },
    {
      name: 'missing key with a precondition',
      write: (s: SqliteStore) => s.update('/missing', 'x', 2),
      code: 'KeyNotFound',
    },
  ])('rejects $name with $code and consumes no revision', async ({ write, code, revision }) => {
    const store = memoryStore();
    await store.create('/k', 'v1');
    await store.update('/k', 'v2');
    const error = await storeError(write(store));
    expect(error.code).toBe(code);
    expect(error.revision).toBe(revision);
    expect(store.currentRevision()).toBe(2);
    expect(await store.get('/k')).toMatchObject({ value: 'v2', modRevision: 2 });
  });

  it('checks each write of a batch against the earlier writes of the same batch', async () => {
    const store = memoryStore();
    await store.create('/k', 'v1');
    // All queued in one tick, so they commit together.
    const results = await Promise.allSettled([
      store.create('/k', 'again'),
      store.update('/k', 'v2', 1),
      store.update('/k', 'stale', 1),
      store.delete('/k', 2),
      store.update('/k', 'gone'),
      store.create('/k', 'v3'),
    ]);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value.modRevision : (r.reason as StoreError).code)),
    ).toEqual(['KeyExists', 2, 'Conflict', 3, 'KeyNotFound', 4]);
    expect(await store.get('/k')).toEqual({ key: '/k', value: 'v3', createRevision: 4, modRevision: 4 });
  });

  it('acknowledges writes only once committed, after which get sees them', async () => {
    const store = memoryStore();
    const pending = store.create('/k', 'v');
    expect(await store.get('/k')).toBeUndefined();
    expect(store.currentRevision()).toBe(0);
    await pending;
    expect(await store.get('/k')).toMatchObject({ value: 'v' });
  });

  it('commits a big batch without waiting for the end of the tick', async () => {
    const store = memoryStore();
    const writes = Array.from({ length: 2500 }, (_, i) =>
      store.create(`/k/${String(i).padStart(5, '0')}`, `${i}`),
    );
    // Two full batches were committed synchronously inside the create calls.
    expect(store.currentRevision()).toBe(2000);
    const kvs = await Promise.all(writes);
    expect(kvs.map((kv) => kv.modRevision)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(await store.count('/k/')).toBe(2500);
  });
});

describe('SqliteStore list', () => {
  async function seed(store: SqliteStore, n: number): Promise<void> {
    await Promise.all(
      Array.from({ length: n }, (_, i) => store.create(`/p/${String(i).padStart(4, '0')}`, `v${i}`)),
    );
  }

  it('lists by prefix in key order, excluding keys that only share a string prefix', async () => {
    const store = memoryStore();
    for (const key of ['/a/c', '/a0', '/a/b', '/ab', '/a', '/a/\u00e9', '/a/b/x', '/b/a'])
      await store.create(key, key);
    const result = await store.list('/a/');
    expect(result.items.map((kv) => kv.key)).toEqual(['/a/b', '/a/b/x', '/a/c', '/a/\u00e9']);
    expect(result).toMatchObject({ revision: 8, more: false });
    expect((await store.list('')).items).toHaveLength(8);
    expect(await store.count('/a/')).toBe(4);
    expect(await store.count('/zzz/')).toBe(0);
  });

  it('pages with limit and after at a consistent revision while writes continue', async () => {
    const store = memoryStore();
    await seed(store, 250);
    const first = await store.list('/p/', { limit: 100 });
    expect(first.items.map((kv) => kv.key)).toEqual(
      Array.from({ length: 100 }, (_, i) => `/p/${String(i).padStart(4, '0')}`),
    );
    expect(first).toMatchObject({ revision: 250, more: true, remaining: 150 });

    // Writes between pages: none of them may show in the later pages at the first page's revision.
    await store.create('/p/0150x', 'new');
    await store.delete('/p/0200');
    await store.update('/p/0120', 'changed');

    const seen = [...first.items];
    let page = first;
    while (page.more) {
      page = await store.list('/p/', { limit: 100, after: page.items.at(-1)!.key, revision: first.revision });
      expect(page.revision).toBe(first.revision);
      seen.push(...page.items);
    }
    expect(page.remaining).toBeUndefined();
    expect(seen.map((kv) => kv.key)).toEqual(
      Array.from({ length: 250 }, (_, i) => `/p/${String(i).padStart(4, '0')}`),
    );
    expect(seen.find((kv) => kv.key === '/p/0120')?.value).toBe('v120');

    const now = await store.list('/p/', { after: '/p/0149', limit: 3 });
    expect(now.items.map((kv) => `${kv.key}=${kv.value}`)).toEqual([
      '/p/0150=v150',
      '/p/0150x=new',
      '/p/0151=v151',
    ]);
    // /p/0152 to /p/0249, less the deleted /p/0200.
    expect(now).toMatchObject({ revision: 253, more: true, remaining: 97 });
  });

  it('lists at an old revision with the values and keys of that moment', async () => {
    const store = memoryStore();
    await store.create('/p/a', 'a1');
    await store.create('/p/b', 'b1');
    const before = store.currentRevision();
    await store.update('/p/a', 'a2');
    await store.delete('/p/b');
    await store.create('/p/c', 'c1');

    const old = await store.list('/p/', { revision: before });
    expect(old.items).toEqual([
      { key: '/p/a', value: 'a1', createRevision: 1, modRevision: 1 },
      { key: '/p/b', value: 'b1', createRevision: 2, modRevision: 2 },
    ]);
    expect(old.revision).toBe(before);
    expect((await store.list('/p/', { revision: before, limit: 1 })).remaining).toBe(1);
    expect((await store.list('/p/')).items.map((kv) => kv.value)).toEqual(['a2', 'c1']);
  });

  it('reads a revision from the future as the current one', async () => {
    const store = memoryStore();
    await store.create('/p/a', 'a');
    expect(await store.list('/p/', { revision: 99 })).toMatchObject({
      revision: 1,
      more: false,
      items: [{ key: '/p/a' }],
    });
  });
});

describe('SqliteStore watch', () => {
  it('hands watches catching up on the same history the same event objects', async () => {
    const store = memoryStore();
    for (let i = 0; i < 250; i++) await store.create(`/s/k${i}`, `v${i}`);
    const a = collect(store, '/s/', 0);
    const b = collect(store, '/s/', 0);
    while (a.events.length < 250 || b.events.length < 250) await settled();
    expect(b.events.map(summary)).toEqual(a.events.map(summary));
    // One read and one decoded object per change, whichever watch reads the page first.
    expect(b.events.every((e, i) => e === a.events[i])).toBe(true);
    a.watch.stop();
    b.watch.stop();
  });

  it('delivers catch-up then live events in order, never from inside watch()', async () => {
    const store = memoryStore();
    await store.create('/w/a', 'a1');
    await store.create('/w/b', 'b1');
    await store.update('/w/a', 'a2');
    const { events, watch } = collect(store, '/w/', 1, { prevKv: true });
    const withoutPrev = collect(store, '/w/', 1);
    expect(events).toEqual([]);
    await store.delete('/w/b');
    await store.create('/other/x', 'x');
    await store.update('/w/a', 'a3', 3);
    await settled();
    expect(events.map(summary)).toEqual([
      'create /w/b@2=b1',
      'update /w/a@3=a2',
      'delete /w/b@4=b1',
      'update /w/a@6=a3',
    ]);
    expect(events[1]).toEqual({
      type: 'update',
      kv: { key: '/w/a', value: 'a2', createRevision: 1, modRevision: 3 },
      prev: { key: '/w/a', value: 'a1', createRevision: 1, modRevision: 1 },
    });
    expect(events[3]).toMatchObject({ prev: { value: 'a2', modRevision: 3 } });
    // Without prevKv, history is read without the values it replaced.
    expect(withoutPrev.events.map(summary)).toEqual(events.map(summary));
    expect(withoutPrev.events[1]).toEqual({ type: 'update', kv: events[1]!.kv });
    withoutPrev.watch.stop();
    expect(events[2]).toEqual({
      type: 'delete',
      kv: { key: '/w/b', value: 'b1', createRevision: 2, modRevision: 4 },
    });

    watch.stop();
    await store.create('/w/c', 'c');
    await settled();
    expect(events).toHaveLength(4);
  });

  it('keeps catch-up and live events in order when a big batch commits inside the caller', async () => {
    const store = memoryStore();
    await store.create('/w/first', '0');
    const { events } = collect(store, '/w/', 0);
    const writes = Array.from({ length: 1000 }, (_, i) => store.create(`/w/${i}`, `${i}`));
    await Promise.all(writes);
    await settled();
    expect(events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
  });

  it('delivers every change exactly once and in order under 16 concurrent writers', async () => {
    const store = memoryStore();
    const fromStart = collect(store, '/c/', 0);
    let midway: ReturnType<typeof collect> | undefined;
    let midwayFrom = 0;
    const acknowledged: { type: WatchEvent['type']; kv: KeyValue }[] = [];

    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 200; i++) {
          const key = `/c/${w}/${i % 20}`;
          const current = await store.get(key);
          if (!current) acknowledged.push({ type: 'create', kv: await store.create(key, `${w}.${i}`) });
          else if (i % 7 === 0)
            acknowledged.push({ type: 'delete', kv: await store.delete(key, current.modRevision) });
          else
            acknowledged.push({
              type: 'update',
              kv: await store.update(key, `${w}.${i}`, current.modRevision),
            });
          if (w === 0 && i === 100) {
            midwayFrom = store.currentRevision();
            midway = collect(store, '/c/', midwayFrom);
          }
        }
      }),
    );
    await settled();

    const expected = acknowledged
      .sort((a, b) => a.kv.modRevision - b.kv.modRevision)
      .map((e) => summary(e as WatchEvent));
    expect(expected).toHaveLength(3200);
    expect(store.currentRevision()).toBe(3200);
    expect(fromStart.events.map(summary)).toEqual(expected);
    expect(midwayFrom).toBeGreaterThan(0);
    expect(midway!.events.map(summary)).toEqual(expected.slice(midwayFrom));
  });

  it('filters by prefix', async () => {
    const store = memoryStore();
    const { events } = collect(store, '/registry/pods/', 0);
    await store.create('/registry/pods/ns/a', 'a');
    await store.create('/registry/podsx/ns/b', 'b');
    await store.create('/registry/services/ns/c', 'c');
    await settled();
    expect(events.map(summary)).toEqual(['create /registry/pods/ns/a@1=a']);
  });

  it('keeps delivering after a callback throws', async () => {
    const store = memoryStore();
    const seen: number[] = [];
    const failures: unknown[] = [];
    const onError = (e: unknown) => failures.push(e);
    process.on('uncaughtException', onError);
    try {
      store.watch('/', 0, (e) => {
        seen.push(e.kv.modRevision);
        if (e.kv.modRevision === 2) throw new Error('consumer bug');
      });
      await Promise.all([store.create('/a', '1'), store.create('/b', '2'), store.create('/c', '3')]);
      await settled();
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(failures).toEqual([new Error('consumer bug')]);
  });
});

describe('SqliteStore watch catch-up', () => {
  /** Waits until `check` holds, one event-loop turn at a time (catch-up pages are read on later turns). */
  async function turnsUntil(check: () => boolean): Promise<void> {
    for (let turn = 0; !check(); turn++) {
      if (turn > 1000) throw new Error('condition not reached in 1000 event-loop turns');
      await settled();
    }
  }

  it('reads history a page at a time, only while the consumer is not paused, then joins live events in order', async () => {
    const store = memoryStore();
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.create(`/p/${i}`, `${i}`)));
    const seen: number[] = [];
    const watch = store.watch('/p/', 0, (e) => {
      seen.push(e.kv.modRevision);
      // A consumer whose buffer is full after 300 events: it takes nothing more until resume().
      if (seen.length === 300) watch.pause();
    });
    await turnsUntil(() => seen.length === 300);
    for (let i = 0; i < 5; i++) await settled();
    expect(seen).toHaveLength(300);
    expect(watch.isLive()).toBe(false);

    watch.resume();
    // Commits during catch-up are read from the log with the rest of the history, once.
    const late = store.create('/p/late', 'x');
    await late;
    await turnsUntil(() => watch.isLive() && seen.length === 1201);
    await store.create('/p/live', 'y');
    await settled();
    expect(seen).toEqual(Array.from({ length: 1202 }, (_, i) => i + 1));
  });

  it('ends a catching-up watch with Compacted when the history it had yet to read is compacted', async () => {
    const store = memoryStore();
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.create(`/p/${i}`, `${i}`)));
    const errors: StoreError[] = [];
    let delivered = 0;
    const watch = store.watch(
      '/p/',
      0,
      () => {
        if (++delivered === 500) watch.pause();
      },
      { onError: (e) => errors.push(e) },
    );
    await turnsUntil(() => delivered === 500);
    await store.compact(1000);
    watch.resume();
    await turnsUntil(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: 'Compacted', revision: 1000 });
    expect(delivered).toBe(500);
  });
});

describe('SqliteStore compaction', () => {
  async function history(store: SqliteStore): Promise<number> {
    await store.create('/h/live', 'l1'); // 1
    await store.create('/h/gone', 'g1'); // 2
    await store.update('/h/live', 'l2'); // 3
    await store.delete('/h/gone'); // 4
    await store.create('/h/late', 't1'); // 5
    await store.update('/h/live', 'l3'); // 6
    await store.create('/h/doomed', 'd1'); // 7
    return store.currentRevision();
  }

  it('makes older revisions Gone and keeps the latest values', async () => {
    const store = memoryStore();
    await history(store);
    const atFive = await store.list('/h/', { revision: 5 });
    await store.delete('/h/doomed'); // 8
    await store.compact(5);
    expect(store.compactedRevision()).toBe(5);

    const listError = await storeError(store.list('/h/', { revision: 4 }));
    expect(listError).toMatchObject({ code: 'Compacted', revision: 5 });
    expect(thrownStoreError(() => store.watch('/h/', 4, () => {}))).toMatchObject({
      code: 'Compacted',
      revision: 5,
    });

    expect(await store.list('/h/', { revision: 5 })).toEqual(atFive);
    expect((await store.list('/h/')).items.map((kv) => `${kv.key}=${kv.value}`)).toEqual([
      '/h/late=t1',
      '/h/live=l3',
    ]);

    const { events } = collect(store, '/h/', 5, { prevKv: true });
    await settled();
    expect(events.map(summary)).toEqual([
      'update /h/live@6=l3',
      'create /h/doomed@7=d1',
      'delete /h/doomed@8=d1',
    ]);
    expect(events[0]).toMatchObject({ prev: { value: 'l2', modRevision: 3 } });

    await store.compact(3);
    expect(store.compactedRevision()).toBe(5);
    await expect(store.compact(99)).rejects.toThrow(RangeError);
  });

  it('compacts up to the newest revision, even when that is a deletion, and survives reopen', async () => {
    const path = tempPath();
    const store = SqliteStore.open(path);
    await history(store);
    await store.delete('/h/doomed'); // 8
    await store.compact(8);
    await store.close();

    const reopened = SqliteStore.open(path);
    open.push(reopened);
    expect(reopened.compactedRevision()).toBe(8);
    expect(reopened.currentRevision()).toBe(8);
    await expect(reopened.list('/h/', { revision: 7 })).rejects.toMatchObject({ code: 'Compacted' });
    expect((await reopened.list('/h/')).items.map((kv) => kv.value)).toEqual(['t1', 'l3']);
    expect(await reopened.create('/h/next', 'n')).toMatchObject({ modRevision: 9 });
  });

  it('compacts a long history in steps and keeps every live key', async () => {
    const store = memoryStore();
    for (let round = 0; round < 25; round++) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          (round === 0 ? store.create : store.update).call(store, `/s/${i}`, `${round}`),
        ),
      );
    }
    const before = await store.list('/s/');
    const compaction = store.compact(store.currentRevision());
    // Steps yield to the event loop, and reads in between see a consistent compacted state.
    await settled();
    expect(store.compactedRevision()).toBeGreaterThan(0);
    expect(store.compactedRevision()).toBeLessThan(25_000);
    await compaction;
    expect(store.compactedRevision()).toBe(25_000);
    expect(await store.list('/s/')).toEqual(before);
    expect(await store.list('/s/', { revision: 25_000 })).toEqual(before);
  });
});

describe('SqliteStore lifecycle', () => {
  it('persists across reopen', async () => {
    const path = tempPath();
    const store = SqliteStore.open(path);
    await store.create('/p/a', 'a');
    await store.create('/p/b', 'b');
    await store.update('/p/a', 'a2');
    await store.close();

    const reopened = SqliteStore.open(path);
    open.push(reopened);
    expect(reopened.currentRevision()).toBe(3);
    expect(await reopened.get('/p/a')).toEqual({
      key: '/p/a',
      value: 'a2',
      createRevision: 1,
      modRevision: 3,
    });
    const { events } = collect(reopened, '/p/', 0);
    await settled();
    expect(events.map(summary)).toEqual(['create /p/a@1=a', 'create /p/b@2=b', 'update /p/a@3=a2']);
  });

  it('commits queued writes on close and rejects everything afterwards', async () => {
    const path = tempPath();
    const store = SqliteStore.open(path);
    const queued = store.create('/k', 'v');
    await store.close();
    expect(await queued).toMatchObject({ modRevision: 1 });

    expect((await storeError(store.get('/k'))).code).toBe('Closed');
    expect((await storeError(store.list('/'))).code).toBe('Closed');
    expect((await storeError(store.create('/x', 'v'))).code).toBe('Closed');
    expect((await storeError(store.compact(1))).code).toBe('Closed');
    expect(thrownStoreError(() => store.watch('/', 0, () => {})).code).toBe('Closed');
    await store.close();

    const reopened = SqliteStore.open(path);
    open.push(reopened);
    expect(await reopened.get('/k')).toMatchObject({ value: 'v' });
  });

  it('refuses a second open of the same file', async () => {
    const path = tempPath();
    const store = SqliteStore.open(path);
    open.push(store);
    expect(() => SqliteStore.open(path)).toThrow(/database is locked/);
    expect(await store.create('/k', 'v')).toMatchObject({ modRevision: 1 });
  });
});
