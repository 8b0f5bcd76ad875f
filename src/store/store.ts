// The storage contract the API server is written against. It is deliberately etcd-shaped
// (revisioned keys, compare-and-swap on the modification revision, ordered watch from a
// revision, compaction) and narrow, so the embedded SQLite store and a later etcd store are
// interchangeable. Values are opaque strings (the API server stores JSON).

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (the object's creation, not the latest update). */
  createRevision: number;
  /** Revision of the latest write to this key; the API's `metadata.resourceVersion`. */
  modRevision: number;
}

export interface ListOptions {
  /**
   * Read as of this revision (must not be compacted). Default: the current revision. A revision
   * newer than the current one reads the current state; the result's `revision` says which.
   */
  revision?: number;
  /** At most this many items; `more` tells whether items were left. */
  limit?: number;
  /** Start strictly after this key (for paging; pass the last key of the previous page). */
  after?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list reflects; pass it back for the next page to keep a consistent view. */
  revision: number;
  more: boolean;
  /** Count of items after this page, when more is true. */
  remaining?: number;
}

export type WatchEvent =
  | { type: 'create'; kv: KeyValue }
  /** `prev` is the value replaced, for watches opened with `prevKv` (etcd's WithPrevKV). */
  | { type: 'update'; kv: KeyValue; prev?: KeyValue }
  /** `kv` is the last stored value of the deleted key; `kv.modRevision` is the deletion's revision. */
  | { type: 'delete'; kv: KeyValue };

export interface Watch {
  stop(): void;
  /**
   * While the watch is catching up on history, stops delivering (and reading) history until
   * resume(), so a slow consumer holds at most one page of it in memory. Once the watch has
   * caught up, events are delivered as they commit whatever the consumer says (writers never
   * wait for watchers): a consumer that falls behind then must bound its own buffer.
   */
  pause(): void;
  resume(): void;
  /**
   * True once history is delivered and live events flow: from then on every change up to the
   * store's current revision has been handed to `onEvent` before any timer fires.
   */
  isLive(): boolean;
}

export interface WatchOptions {
  /**
   * Update events carry the value they replaced (etcd's WithPrevKV): a watcher that filters by
   * selector needs it to turn a change out of the selection into a deletion. Without it,
   * catching up reads half as much.
   */
  prevKv?: boolean;
  /**
   * Called once if the store ends the watch itself: StoreError('Compacted') when history it
   * had yet to read was compacted away while it was catching up. Nothing is delivered after.
   */
  onError?(error: StoreError): void;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Compacted' | 'Closed',
    message: string,
    /** For Conflict: the current modRevision of the key. For Compacted: the compacted revision. */
    readonly revision?: number,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Store {
  /** The latest committed revision. */
  currentRevision(): number;
  /** The oldest revision still readable (everything before it was compacted). */
  compactedRevision(): number;

  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, ordered by key. Throws StoreError('Compacted') for a compacted revision. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Counts keys under a prefix at the current revision. */
  count(prefix: string): Promise<number>;

  /** Throws StoreError('KeyExists'). Resolves once durable. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces an existing key. With `expectedModRevision`, fails with StoreError('Conflict')
   * unless the key's modRevision equals it. Throws StoreError('KeyNotFound'). Resolves once durable.
   */
  update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Deletes a key and returns its last value, with `modRevision` set to the deletion's revision
   * (the same `kv` as the delete watch event). Same preconditions as update. Resolves once durable.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;

  /**
   * Delivers every change to keys under `prefix` with revision > `afterRevision`, in revision
   * order, exactly once, then live changes as they commit. History is read in pages, each once
   * the previous one is delivered, so catching up on a long history costs one page of memory.
   * Throws StoreError('Compacted') if `afterRevision` is older than the compacted revision.
   * `onEvent` is called from a microtask, never from inside watch() or a write call, and must
   * return quickly: writers do not wait for watchers.
   */
  watch(
    prefix: string,
    afterRevision: number,
    onEvent: (e: WatchEvent) => void,
    options?: WatchOptions,
  ): Watch;

  /** Bytes the store occupies (for SQLite, the database file; etcd reports its db size). */
  sizeBytes(): Promise<number>;

  /**
   * Discards history before `revision`: afterwards the newest version at or before `revision` of
   * every key live at `revision` is kept, with everything after it. Rejects with a RangeError for
   * a revision newer than the current one; compacting to an already compacted revision is a no-op.
   */
  compact(revision: number): Promise<void>;

  /**
   * Commits the writes already queued (or rejects them with StoreError('Closed')), then releases
   * the store; later calls reject with StoreError('Closed'). Live watches receive nothing more.
   */
  close(): Promise<void>;
}
