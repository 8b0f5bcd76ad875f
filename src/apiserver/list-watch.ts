// List and watch, the two reads every informer is built on. A list is a consistent snapshot
// at one store revision (continue tokens carry that revision, so paging never mixes
// revisions); a watch streams every change after a revision as newline-delimited JSON events,
// turning label/field-selector transitions into ADDED/DELETED as kube-apiserver does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FieldSelector, parseFieldSelector } from '../api/field-selector.js';
import { parseLabelSelector, type Selector } from '../api/labels.js';
import { apiVersionOf, type ResourceInfo } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import { type KeyValue, type Store, StoreError, type WatchEvent } from '../store/store.js';
import type { ApiObject } from './object-meta.js';
import { decode } from './registry.js';
import { resourcePrefix } from './storage-keys.js';

export interface ObjectFilter {
  label?: Selector;
  field?: FieldSelector;
  /** A watch on one object (`GET .../pods/web?watch=1`). */
  name?: string;
}

export function parseFilter(r: ResourceInfo, query: URLSearchParams): ObjectFilter {
  const filter: ObjectFilter = {};
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  try {
    if (ls) filter.label = parseLabelSelector(ls);
  } catch (e) {
    throw statusErrors.badRequest(`unable to parse requirement: ${(e as Error).message}`);
  }
  try {
    if (fs) filter.field = parseFieldSelector(fs, r.kind);
  } catch (e) {
    throw statusErrors.badRequest((e as Error).message);
  }
  return filter;
}

export function matchesFilter(filter: ObjectFilter, obj: ApiObject): boolean {
  if (filter.name !== undefined && obj.metadata.name !== filter.name) return false;
  if (filter.label && !filter.label.matches(obj.metadata.labels)) return false;
  if (filter.field && !filter.field.matches(obj)) return false;
  return true;
}

function isEmptyFilter(f: ObjectFilter): boolean {
  return !f.label && !f.field && f.name === undefined;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      rv?: unknown;
      start?: unknown;
    };
    if (typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through to the error below
  }
  throw statusErrors.badRequest('continue key is not valid: the continue token could not be decoded');
}

export interface ListResponse {
  items: ApiObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export async function listObjects(
  store: Store,
  r: ResourceInfo,
  namespace: string | undefined,
  query: URLSearchParams,
): Promise<ListResponse> {
  const filter = parseFilter(r, query);
  const limit = Number(query.get('limit') ?? 0) || 0;
  const cont = query.get('continue');
  const token = cont ? decodeContinue(cont) : undefined;
  let revision: number | undefined = token?.rv;
  const rvParam = query.get('resourceVersion');
  if (!token && rvParam && rvParam !== '0' && query.get('resourceVersionMatch') === 'Exact')
    revision = Number(rvParam);
  const prefix = resourcePrefix(r, namespace);
  const items: ApiObject[] = [];
  let after = token?.start;
  try {
    for (;;) {
      const want = limit > 0 ? limit - items.length : undefined;
      const page = await store.list(prefix, { revision, limit: want, after });
      revision = page.revision;
      for (const kv of page.items) {
        const obj = decode(kv);
        if (matchesFilter(filter, obj)) items.push(obj);
      }
      const last = page.items.at(-1);
      if (!page.more || !last) return { items, resourceVersion: String(revision) };
      after = last.key;
      if (limit > 0 && items.length >= limit) {
        return {
          items,
          resourceVersion: String(revision),
          continue: encodeContinue({ rv: revision, start: last.key }),
          remainingItemCount: isEmptyFilter(filter) ? page.remaining : undefined,
        };
      }
    }
  } catch (e) {
    if (e instanceof StoreError && e.code === 'Compacted') {
      if (token) {
        throw new StatusError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      throw new StatusError(410, 'Expired', `too old resource version: ${revision} (${e.revision})`);
    }
    throw e;
  }
}

export type Encoder = (obj: ApiObject, first: boolean) => unknown;

interface WatchOptions {
  store: Store;
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  query: URLSearchParams;
  /** Turns an object into what the client asked for (itself, a Table row, metadata). */
  encode: Encoder;
  /** True when `encode` returns objects unchanged, so one serialization serves every watcher. */
  plain: boolean;
  bookmarkIntervalMs: number;
  /** Watches are closed after a random 30-60 min unless the client asks for less, as kube does. */
  defaultTimeoutMs: number;
  /** A watcher whose unsent data exceeds this is closed; it resumes from its last version. */
  maxBufferedBytes: number;
}

/** Serialized watch events are shared by every watcher that sends plain objects. */
const plainEventText = new WeakMap<KeyValue, string>();

export function serveWatch(req: IncomingMessage, res: ServerResponse, o: WatchOptions): Promise<void> {
  const filter = parseFilter(o.resource, o.query);
  if (o.name) filter.name = o.name;
  const prefix = resourcePrefix(o.resource, o.namespace);
  const apiVersion = apiVersionOf(o.resource);
  const rvParam = o.query.get('resourceVersion') ?? '';
  const bookmarks = o.query.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = Number(o.query.get('timeoutSeconds') ?? 0);
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : o.defaultTimeoutMs;

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();

  let first = true;
  let closed = false;
  let lastRevision = 0;
  const send = (type: string, obj: ApiObject, kv?: KeyValue) => {
    if (closed) return;
    // A given stored change always maps to the same event type for watchers that receive it
    // without a selector transition (kv is passed only then), so the text can be shared.
    const cacheable = kv !== undefined && o.plain;
    let line = cacheable ? plainEventText.get(kv) : undefined;
    if (line === undefined) {
      line = `{"type":"${type}","object":${JSON.stringify(o.encode({ apiVersion, kind: o.resource.kind, ...obj }, first))}}\n`;
      if (cacheable) plainEventText.set(kv, line);
    }
    first = false;
    res.write(line);
    if (res.writableLength > o.maxBufferedBytes) stop();
  };

  let watch: { stop(): void } | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const timeout = setTimeout(() => stop(), timeoutMs);
  function stop() {
    if (closed) return;
    closed = true;
    watch?.stop();
    clearTimeout(timeout);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    res.end();
    resolveDone();
  }
  req.on('close', stop);
  res.on('error', stop);

  const onEvent = (e: WatchEvent) => {
    lastRevision = e.kv.modRevision;
    if (e.type === 'create') {
      const obj = decode(e.kv);
      if (matchesFilter(filter, obj)) send('ADDED', obj, e.kv);
      return;
    }
    if (e.type === 'delete') {
      const obj = decode(e.kv);
      if (matchesFilter(filter, obj)) send('DELETED', obj, e.kv);
      return;
    }
    const obj = decode(e.kv);
    const now = matchesFilter(filter, obj);
    const before = matchesFilter(filter, decode(e.prev));
    if (now && before) send('MODIFIED', obj, e.kv);
    else if (now) send('ADDED', obj);
    else if (before) send('DELETED', obj);
  };

  const start = async () => {
    let after: number;
    if (rvParam === '' || rvParam === '0') {
      // "Start at most recent": synthetic ADDED events for what exists now, then changes.
      const snapshot = await listObjects(o.store, o.resource, o.namespace, new URLSearchParams());
      after = Number(snapshot.resourceVersion);
      for (const obj of snapshot.items) if (matchesFilter(filter, obj)) send('ADDED', obj);
    } else {
      after = Number(rvParam);
      if (!Number.isFinite(after)) throw statusErrors.badRequest(`invalid resource version: ${rvParam}`);
    }
    lastRevision = after;
    try {
      watch = o.store.watch(prefix, after, onEvent);
    } catch (e) {
      if (e instanceof StoreError && e.code === 'Compacted') {
        const status = new StatusError(
          410,
          'Expired',
          `too old resource version: ${after} (${e.revision})`,
        ).toStatus();
        res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
        stop();
        return;
      }
      throw e;
    }
    if (bookmarks) {
      bookmarkTimer = setInterval(() => {
        // Every event up to the store's current revision has been delivered synchronously, so
        // a bookmark at that revision is safe to resume from even if nothing here matched.
        lastRevision = Math.max(lastRevision, o.store.currentRevision());
        const marker = {
          apiVersion,
          kind: o.resource.kind,
          metadata: { resourceVersion: String(lastRevision) },
        };
        if (!closed) res.write(`${JSON.stringify({ type: 'BOOKMARK', object: marker })}\n`);
      }, o.bookmarkIntervalMs);
    }
  };
  start().catch((e) => {
    const status = (e instanceof StatusError ? e : statusErrors.internal(String(e))).toStatus();
    if (!closed) res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    stop();
  });
  return done;
}
