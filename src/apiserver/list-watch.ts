// List and watch, the two reads every informer is built on. A list is a consistent snapshot
// at one store revision (signed continue tokens carry that revision, so paging never mixes
// revisions); a watch streams every change after a revision as newline-delimited JSON events,
// turning label/field-selector transitions into ADDED/DELETED as kube-apiserver does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceInfo } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import { type KeyValue, type Store, StoreError, type Watch, type WatchEvent } from '../store/store.js';
import type { ContinueTokens } from './continue-token.js';
import { type ListOptions, type ObjectFilter, parseListOptions } from './list-options.js';
import type { ApiObject } from './object-meta.js';
import { decode } from './registry.js';
import { resourcePrefix } from './storage-keys.js';

export function matchesFilter(filter: ObjectFilter, obj: ApiObject): boolean {
  if (filter.name !== undefined && obj.metadata.name !== filter.name) return false;
  if (filter.label && !filter.label.matches(obj.metadata.labels)) return false;
  if (filter.field && !filter.field.matches(obj)) return false;
  return true;
}

function isEmptyFilter(f: ObjectFilter): boolean {
  return !f.label && !f.field && f.name === undefined;
}

/** kube's message for a revision older than the compacted one (the watch cache's wording). */
export function tooOld(revision: number, compacted: number | undefined): StatusError {
  return statusErrors.gone(`too old resource version: ${revision} (${compacted})`);
}

/**
 * kube's inconsistentContinue: the token's revision is compacted. The answer carries a token
 * for the rest of the list at the current revision, for a client that accepts an inconsistent list.
 */
const continueExpired =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface ListResponse {
  items: ApiObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/**
 * Lists at one revision. `continueTokens` signs and checks the tokens of paged lists; callers
 * that never page (the metrics API) may leave it out, and then no page is cut short.
 */
export async function listObjects(
  store: Store,
  r: ResourceInfo,
  namespace: string | undefined,
  query: URLSearchParams | ListOptions,
  continueTokens?: ContinueTokens,
): Promise<ListResponse> {
  const parsed = query instanceof URLSearchParams ? parseListOptions(r, query, false) : query;
  const o = continueTokens ? parsed : { ...parsed, limit: 0, continue: undefined };
  const prefix = resourcePrefix(r, namespace);
  const token = o.continue ? continueTokens?.decode(o.continue, prefix) : undefined;
  // rv 0 in a token: read at whatever revision is current.
  let revision: number | undefined = token?.rv || undefined;
  if (!token && o.resourceVersionMatch === 'Exact') revision = o.resourceVersion;
  const items: ApiObject[] = [];
  let after = token?.start;
  try {
    for (;;) {
      const want = o.limit > 0 ? o.limit - items.length : undefined;
      const page = await store.list(prefix, { revision, limit: want, after });
      revision = page.revision;
      for (const kv of page.items) {
        const obj = decode(kv);
        if (matchesFilter(o.filter, obj)) items.push(obj);
      }
      const last = page.items.at(-1);
      if (!page.more || !last) return { items, resourceVersion: String(revision) };
      after = last.key;
      if (o.limit > 0 && items.length >= o.limit) {
        return {
          items,
          resourceVersion: String(revision),
          continue: continueTokens?.encode({ rv: revision, start: last.key }),
          remainingItemCount: isEmptyFilter(o.filter) ? page.remaining : undefined,
        };
      }
    }
  } catch (e) {
    if (e instanceof StoreError && e.code === 'Compacted') {
      if (token)
        throw new StatusError(410, 'Expired', continueExpired, undefined, {
          continue: continueTokens?.encode({ rv: 0, start: token.start }),
        });
      throw tooOld(revision ?? 0, e.revision);
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
  /** Events held for a watcher whose connection is not taking them; one more and it is closed with 410. */
  maxQueuedEvents: number;
  /** Called when a watcher is closed for not keeping up (kube's apiserver_terminated_watchers_total). */
  onTerminated(): void;
}

const eventType = { create: 'ADDED', update: 'MODIFIED', delete: 'DELETED' } as const;

/**
 * Serialized watch events, shared by every watcher that sends plain objects. The store hands
 * every watcher the same event object for a change, live or read from history while watches
 * catch up side by side, so the text is kept with the stored value it encodes, for as long as
 * the store or a watcher still holds that value. One API version per value is kept: watchers
 * of a resource in two versions at once encode the second themselves.
 */
const plainEventTexts = new WeakMap<KeyValue, { apiVersion: string; line: string }>();

/**
 * Serves one watch. Memory per watcher is bounded: history is read from the store a page at a
 * time, and only while the connection takes what is written (the store watch is paused when
 * `res.write()` reports a full socket, and resumed on 'drain'). Live events that arrive while
 * the socket is full wait in a queue of at most `maxQueuedEvents`; a watcher that lets it fill
 * is sent an ERROR event with 410 Expired and closed, and its client lists again, as
 * client-go's reflector does. Every parameter is checked before the 200 is sent.
 */
export async function serveWatch(req: IncomingMessage, res: ServerResponse, o: WatchOptions): Promise<void> {
  const options = parseListOptions(o.resource, o.query, true);
  const filter = { ...options.filter, ...(o.name ? { name: o.name } : {}) };
  const unfiltered = isEmptyFilter(filter);
  const prefix = resourcePrefix(o.resource, o.namespace);
  const apiVersion = apiVersionOf(o.resource);
  const timeoutMs =
    options.timeoutSeconds && options.timeoutSeconds > 0 ? options.timeoutSeconds * 1000 : o.defaultTimeoutMs;
  // "Start at most recent": synthetic ADDED events for what exists now, then changes.
  const snapshot =
    options.resourceVersion === undefined
      ? await listObjects(o.store, o.resource, o.namespace, options)
      : undefined;
  const after = snapshot ? Number(snapshot.resourceVersion) : options.resourceVersion!;

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();

  let first = true;
  let closed = false;
  /** The revision of the last event written: where this watcher's client would resume. */
  let lastRevision = after;
  /** res.write() said the socket is full; nothing more is written until 'drain'. */
  let blocked = false;
  const queue: WatchEvent[] = [];
  let watch: Watch | undefined;

  const format = (type: string, obj: ApiObject) =>
    `{"type":"${type}","object":${JSON.stringify(o.encode({ apiVersion, kind: o.resource.kind, ...obj }, first))}}\n`;
  const emit = (line: string) => {
    first = false;
    if (!res.write(line)) blocked = true;
  };
  /**
   * A stored change sent as its own type (no selector transition): every plain watcher sends
   * the same text for it, so it is encoded once, and decoded only if nobody has encoded it yet.
   */
  const sendChange = (type: string, kv: KeyValue, obj?: ApiObject) => {
    if (!o.plain) return emit(format(type, obj ?? decode(kv)));
    const known = plainEventTexts.get(kv);
    if (known?.apiVersion === apiVersion) return emit(known.line);
    const line = format(type, obj ?? decode(kv));
    if (!known) plainEventTexts.set(kv, { apiVersion, line });
    emit(line);
  };

  const write = (e: WatchEvent) => {
    lastRevision = e.kv.modRevision;
    if (unfiltered) return sendChange(eventType[e.type], e.kv);
    const obj = decode(e.kv);
    const now = matchesFilter(filter, obj);
    if (e.type !== 'update') return now && sendChange(eventType[e.type], e.kv, obj);
    // Asked for with prevKv whenever there is a filter.
    const before = matchesFilter(filter, decode(e.prev!));
    if (now && before) sendChange('MODIFIED', e.kv, obj);
    else if (now) emit(format('ADDED', obj));
    else if (before) emit(format('DELETED', obj));
  };

  const onEvent = (e: WatchEvent) => {
    if (closed) return;
    if (!blocked && queue.length === 0) {
      write(e);
      if (blocked) watch?.pause();
      return;
    }
    if (queue.length >= o.maxQueuedEvents) {
      o.onTerminated();
      return end(
        statusErrors.gone(
          `too old resource version: ${lastRevision} (${o.store.compactedRevision()}): the watcher fell more than ${o.maxQueuedEvents} events behind; list again and watch from the list's resourceVersion`,
        ),
      );
    }
    queue.push(e);
  };

  res.on('drain', () => {
    blocked = false;
    while (!closed && !blocked && queue.length > 0) write(queue.shift()!);
    if (!blocked) watch?.resume();
  });

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const timeout = setTimeout(() => end(), timeoutMs);
  let bookmarkTimer: NodeJS.Timeout | undefined;
  function end(error?: StatusError) {
    if (closed) return;
    closed = true;
    watch?.stop();
    queue.length = 0;
    clearTimeout(timeout);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    if (error) res.write(`${JSON.stringify({ type: 'ERROR', object: error.toStatus() })}\n`);
    res.end();
    resolveDone();
  }
  req.on('close', () => end());
  res.on('error', () => end());

  if (snapshot) for (const obj of snapshot.items) if (matchesFilter(filter, obj)) emit(format('ADDED', obj));
  try {
    watch = o.store.watch(prefix, after, onEvent, {
      prevKv: !unfiltered,
      onError: (e) => end(tooOld(lastRevision, e.revision)),
    });
  } catch (e) {
    // As kube's watch cache: a revision that parsed but is too old is an ERROR event in the stream.
    if (e instanceof StoreError && e.code === 'Compacted') end(tooOld(after, e.revision));
    else end(e instanceof StatusError ? e : statusErrors.internal(String(e)));
    return done;
  }
  if (blocked) watch.pause();
  if (options.allowWatchBookmarks) {
    bookmarkTimer = setInterval(() => {
      if (closed || queue.length > 0) return;
      // Once the store watch is live, every change up to the current revision was handed to
      // onEvent (before any timer runs) and written, so the client may resume from there even
      // if nothing matched its selectors.
      if (watch?.isLive()) lastRevision = Math.max(lastRevision, o.store.currentRevision());
      const marker = {
        apiVersion,
        kind: o.resource.kind,
        metadata: { resourceVersion: String(lastRevision) },
      };
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: marker })}\n`);
    }, o.bookmarkIntervalMs);
  }
  return done;
}
