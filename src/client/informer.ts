// A reflector and an indexed cache in one, like client-go's SharedIndexInformer: list (in
// pages), then watch from the list's resourceVersion; on 410 Expired list again and turn the
// difference into the add/update/delete notifications a watch would have delivered.
// Handlers run synchronously in event order, after the cache reflects the event.

import type { KubeObject } from '../api/kube-object.js';
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf } from '../api/resources.js';
import type { Clock } from './clock.js';
import { realClock } from './clock.js';
import { objectKey } from './object-key.js';
import type { ApiClient, ResourceClient } from './rest-client.js';
import type { RetryWatcher, WatchEvent } from './watch.js';
import { isExpired } from './watch.js';

export type CacheChange<T> =
  | { type: 'add'; object: T }
  | { type: 'update'; old: T; object: T }
  | { type: 'delete'; object: T };

/**
 * What changed between the cache and a fresh list, in the order to apply it: deletions of
 * objects no longer listed, then the listed objects in list order. An object whose uid changed
 * under the same name was deleted and recreated while we were away: a delete and an add, so
 * controllers do not mistake the new object for the old one.
 */
export function diffRelist<T extends KubeObject>(
  cached: ReadonlyMap<string, T>,
  listed: readonly T[],
  keyOf: (obj: T) => string = objectKey,
): CacheChange<T>[] {
  const listedKeys = new Set(listed.map(keyOf));
  const changes: CacheChange<T>[] = [];
  for (const [key, old] of cached) if (!listedKeys.has(key)) changes.push({ type: 'delete', object: old });
  for (const object of listed) {
    const old = cached.get(keyOf(object));
    if (!old) {
      changes.push({ type: 'add', object });
    } else if (old.metadata?.uid && object.metadata?.uid && old.metadata.uid !== object.metadata.uid) {
      changes.push({ type: 'delete', object: old }, { type: 'add', object });
    } else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
      changes.push({ type: 'update', old, object });
    }
  }
  return changes;
}

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, obj: T): void;
  /** `finalStateUnknown`: the deletion was found by a relist, so `obj` is the last state we saw. */
  onDelete?(obj: T, info: { finalStateUnknown: boolean }): void;
}

export interface InformerState {
  connected: boolean;
  synced: boolean;
  lastError?: Error;
  /** The last resourceVersion the cache reflects. */
  resourceVersion: string;
}

export interface InformerSelector {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerOptions extends InformerSelector {
  clock?: Clock;
  /** List page size (`limit`); default 500 as client-go's pager. */
  pageSize?: number;
  /** Default 100 ms, doubling to maxBackoffMs (default 5 s) while the server is unreachable. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A throwing handler must not stop the informer; its error goes here (default console.error). */
  onHandlerError?: (error: unknown) => void;
}

export type IndexFunc<T> = (obj: T) => string[];

export class Informer<T extends KubeObject> {
  readonly resource: ResourceClient<T>;
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, { fn: IndexFunc<T>; index: Map<string, Set<string>> }>();
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly stateListeners = new Set<(state: InformerState) => void>();
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();
  private readonly clock: Clock;
  private current: InformerState = { connected: false, synced: false, resourceVersion: '' };
  private abort?: AbortController;
  private watcher?: RetryWatcher<T>;

  constructor(
    client: ApiClient,
    readonly info: ResourceInfo,
    private readonly options: InformerOptions = {},
  ) {
    this.resource = client.resource<T>(info, options.namespace);
    this.clock = options.clock ?? realClock;
    this.addIndexer('namespace', (obj) => [obj.metadata?.namespace ?? '']);
  }

  get state(): InformerState {
    return this.current;
  }

  hasSynced(): boolean {
    return this.current.synced;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Objects whose index function returned `value`. */
  byIndex(indexName: string, value: string): T[] {
    const indexer = this.indexers.get(indexName);
    if (!indexer) throw new Error(`informer for ${this.info.plural}: no index named "${indexName}"`);
    return [...(indexer.index.get(value) ?? [])].map((key) => this.items.get(key)!);
  }

  /**
   * Adds an index unless one of that name exists. Informers are shared between components,
   * so well-known indexes (e.g. pods by `nodeName`) are declared by whoever needs them first;
   * one name must always mean one function.
   */
  ensureIndexer(name: string, fn: IndexFunc<T>): void {
    if (!this.indexers.has(name)) this.addIndexer(name, fn);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name))
      throw new Error(`informer for ${this.info.plural}: index "${name}" already exists`);
    const indexer = { fn, index: new Map<string, Set<string>>() };
    this.indexers.set(name, indexer);
    for (const [key, obj] of this.items) indexAdd(indexer.index, fn(obj), key);
  }

  /**
   * Registers handlers; objects already in the cache are replayed to onAdd, as client-go does
   * for late-registered handlers. Returns a function that unregisters them.
   */
  addEventHandler(handlers: EventHandlers<T>): () => void {
    this.handlers.add(handlers);
    for (const obj of this.items.values()) this.call(() => handlers.onAdd?.(obj));
    return () => this.handlers.delete(handlers);
  }

  onAdd(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onAdd: fn });
  }

  onUpdate(fn: (old: T, obj: T) => void): () => void {
    return this.addEventHandler({ onUpdate: fn });
  }

  onDelete(fn: (obj: T, info: { finalStateUnknown: boolean }) => void): () => void {
    return this.addEventHandler({ onDelete: fn });
  }

  /** Called on every change of connected/synced/lastError. Returns an unsubscribe function. */
  onStateChange(fn: (state: InformerState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.current.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        this.syncWaiters.delete(waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.add(waiter);
    });
  }

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    void this.run(this.abort.signal);
  }

  stop(): void {
    this.abort?.abort(new Error('informer stopped'));
    this.watcher?.stop();
    for (const w of this.syncWaiters)
      w.reject(new Error(`informer for ${this.info.plural} stopped before it synced`));
    this.syncWaiters.clear();
    this.setState({ connected: false });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5_000;
    let delay = initial;
    const selectors = {
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
    };
    while (!signal.aborted) {
      try {
        const listed = await this.resource.listAll({
          ...selectors,
          limit: this.options.pageSize ?? 500,
          signal,
        });
        if (signal.aborted) break;
        this.replace(listed.items, listed.resourceVersion);
        delay = initial;
        this.watcher = this.resource.watch(
          { ...selectors, resourceVersion: listed.resourceVersion },
          (e) => this.apply(e),
          {
            signal,
            clock: this.clock,
            initialBackoffMs: initial,
            maxBackoffMs: max,
            onConnectionChange: (connected, error) =>
              this.setState({ connected, lastError: connected ? undefined : error }),
          },
        );
        await this.watcher.done;
      } catch (e) {
        if (signal.aborted) break;
        // Expired: our resourceVersion is gone from history; list again straight away.
        if (isExpired(e)) continue;
        this.setState({ connected: false, lastError: e as Error });
        await this.clock.sleep(delay, signal).catch(() => {});
        delay = Math.min(delay * 2, max);
      }
    }
  }

  private replace(listed: T[], resourceVersion: string): void {
    for (const change of diffRelist(this.items, listed)) {
      if (change.type === 'delete') this.remove(change.object, true);
      else this.put(change.object);
    }
    this.setState({ connected: true, synced: true, lastError: undefined, resourceVersion });
    for (const w of this.syncWaiters) w.resolve();
    this.syncWaiters.clear();
  }

  private apply(e: WatchEvent<T>): void {
    const rv = e.object.metadata?.resourceVersion;
    if (rv) this.current = { ...this.current, resourceVersion: rv };
    if (e.type === 'BOOKMARK') return;
    const obj = this.withType(e.object);
    if (e.type === 'DELETED') this.remove(obj, false);
    else this.put(obj);
  }

  private put(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const { fn, index } of this.indexers.values()) {
      if (old) indexRemove(index, fn(old), key);
      indexAdd(index, fn(obj), key);
    }
    for (const h of this.handlers) this.call(() => (old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj)));
  }

  private remove(obj: T, finalStateUnknown: boolean): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    for (const { fn, index } of this.indexers.values()) indexRemove(index, fn(old), key);
    for (const h of this.handlers) this.call(() => h.onDelete?.(obj, { finalStateUnknown }));
  }

  private withType(obj: T): T {
    if (obj.kind && obj.apiVersion) return obj;
    return { ...obj, apiVersion: apiVersionOf(this.info), kind: this.info.kind };
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      (this.options.onHandlerError ?? console.error)(e);
    }
  }

  private setState(patch: Partial<InformerState>): void {
    const next = { ...this.current, ...patch };
    const changed =
      next.connected !== this.current.connected ||
      next.synced !== this.current.synced ||
      next.lastError !== this.current.lastError;
    this.current = next;
    if (changed) for (const fn of this.stateListeners) fn(next);
  }
}

function indexAdd(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    const keys = index.get(v) ?? new Set<string>();
    keys.add(key);
    index.set(v, keys);
  }
}

function indexRemove(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    const keys = index.get(v);
    keys?.delete(key);
    if (keys?.size === 0) index.delete(v);
  }
}

/**
 * One informer per (resource, namespace, selectors), shared by every component in the
 * process, so the scheduler and five controllers watching pods cost one watch, not six.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: ApiClient,
    private readonly defaults: Omit<InformerOptions, keyof InformerSelector> = {},
  ) {}

  informerFor<T extends KubeObject>(info: ResourceInfo, selector: InformerSelector = {}): Informer<T> {
    const key = [
      apiVersionOf(info),
      info.plural,
      selector.namespace ?? '',
      selector.labelSelector ?? '',
      selector.fieldSelector ?? '',
    ].join('|');
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<KubeObject>(this.client, info, { ...this.defaults, ...selector });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** Every informer handed out so far (a test waits for all of them to reach a revision). */
  all(): Informer<KubeObject>[] {
    return [...this.informers.values()];
  }

  /** Starts every informer, and any requested later. */
  start(): void {
    this.started = true;
    for (const i of this.informers.values()) i.start();
  }

  stop(): void {
    this.started = false;
    for (const i of this.informers.values()) i.stop();
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }
}
