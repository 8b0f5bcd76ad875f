// The embedded store: SQLite through node:sqlite, kine-style (one log row per revision).
//
// Durability: WAL mode with synchronous=FULL, so COMMIT returns only after the WAL is
// fsynced. Every promise resolves, and every watch event is delivered, only after the COMMIT
// of the transaction holding its write, so an acknowledged write survives kill -9 of the
// process and also power loss of the machine. synchronous=NORMAL would not fsync on commit
// (only at checkpoints): it still survives kill -9, because the WAL pages are in the OS page
// cache, but the last commits are lost when the machine itself stops — and a lab's
// control-plane VM is powered off on purpose. Measured here (ext4 on a virtio disk whose
// fdatasync takes ~0.1 ms; 1 KB values; test/integration/store-throughput.test.ts): FULL
// gives ~4,000-7,700 writes/s at concurrency 1 and 20,000-45,000 at 16; NORMAL gives
// 14,000-20,000 and 27,000-46,000. The difference is one fsync per batch: at concurrency 1
// each write pays a whole fsync, at 16 group commit shares it. On a disk whose fsync takes
// several ms, that sharing is what keeps concurrent throughput above the 2,000 writes/s
// target, so FULL costs nothing we need.
//
// Group commit: writes are queued and committed together, one transaction (one fsync) per
// batch, flushed on setImmediate — so everything that arrived in one event-loop turn shares
// an fsync — or at once when the batch is big. Each write is still checked in order against
// the state including the earlier writes of its batch (the transaction sees its own rows).
//
// Because DatabaseSync is synchronous, a commit plus the publication of its events, and a
// watch's last catch-up read plus its registration for live events, each happen within one
// tick and cannot interleave: that is what makes watches gap-free and exactly-once without
// any locking.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  StoreError,
  type Watch,
  type WatchEvent,
  type WatchOptions,
} from './store.js';

export interface SqliteStoreOptions {
  /**
   * 'FULL' (default) fsyncs every commit. 'NORMAL' survives a process crash but may lose the
   * last acknowledged writes on power loss; only for throwaway clusters (simulated scale runs).
   */
  synchronous?: 'FULL' | 'NORMAL';
}

const SCHEMA_VERSION = 1;
/** A batch this big is committed without waiting for the end of the event-loop turn. */
const MAX_BATCH = 1000;
/** Compaction deletes at most this many revisions' worth of history per transaction, so writers are not stalled. */
const COMPACT_CHUNK = 10_000;

// `current` is derived state, kept for read speed: the latest live revision of every key,
// maintained in the same transaction as the log. Without it a get or a list at the current
// revision would have to find the newest row of every key among all of its history since the
// last compaction; with it they read only live keys. It holds revisions, not values, so a
// value is stored once (in the log).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

// Key ranges: `key >= max(:prefix, :start) AND key < :prefix || x'FF'`. No UTF-8 text
// contains the byte 0xFF, so every key with the prefix sorts below prefix||0xFF (SQLite
// compares text bytewise). `:start` is '' or, for paging, the previous key followed by NUL:
// the smallest string greater than it, so `>=` it means "strictly after".
const IN_RANGE = (column: string): string =>
  `${column} >= max(:prefix, :start) AND ${column} < :prefix || CAST(x'FF' AS TEXT)`;

const LATEST_AT_REVISION = `l.revision = (SELECT MAX(x.revision) FROM log x WHERE x.key = l.key AND x.revision <= :rev)`;

interface LogRow {
  revision: number;
  key: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
  /** Read only for watches with prevKv (undefined otherwise; null when the row is gone). */
  prev_value?: string | null;
}

interface KeyValueRow {
  key: string;
  value: string;
  create_revision: number;
  revision: number;
}

type WriteRequest =
  | { op: 'create'; key: string; value: string }
  | { op: 'update'; key: string; value: string; expected: number | undefined }
  | { op: 'delete'; key: string; expected: number | undefined };

type QueuedWrite = WriteRequest & { resolve(kv: KeyValue): void; reject(error: unknown): void };

function toKeyValue(row: KeyValueRow): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
}

function toEvent(row: LogRow): WatchEvent {
  const kv = toKeyValue(row);
  if (row.created) return { type: 'create', kv };
  if (row.deleted) return { type: 'delete', kv };
  if (row.prev_value === undefined) return { type: 'update', kv };
  const prev = { ...kv, value: row.prev_value ?? '', modRevision: row.prev_revision };
  return { type: 'update', kv, prev };
}

function rangeParams(prefix: string, after?: string): { prefix: string; start: string } {
  return { prefix, start: after === undefined ? '' : `${after}\u0000` };
}

const closedError = (): StoreError => new StoreError('Closed', 'store is closed');

/**
 * Revisions of history a catching-up watch reads at a time: a page holds at most that many
 * events, and a page of a sparse prefix costs no more to read. Small, so a page is sent before
 * the garbage collector promotes it: 20 watchers catching up on 100k revisions of 1 KB objects
 * grew the server's RSS by 316 MiB with pages of 500 revisions, by 243 MiB with 100.
 */
const CATCH_UP_PAGE = 100;

/** Catch-up pages shared between watches: at most this many pages (of up to CATCH_UP_PAGE events) are held. */
const HISTORY_PAGES_KEPT = 32;

/** Where a watch reads the history it has to catch up on, and joins the live stream. */
interface HistorySource {
  /**
   * The changes under `prefix` in the next `revisions` revisions after `after`, up to `through`;
   * `current` when that is the latest revision. Throws StoreError if compacted or closed.
   */
  history(
    prefix: string,
    after: number,
    revisions: number,
    prevKv: boolean,
  ): { events: WatchEvent[]; through: number; current: boolean };
  /** Called in the same tick as the read that reached the current revision: no commit falls in between. */
  goLive(watch: PrefixWatch): void;
  forget(watch: PrefixWatch): void;
}

/**
 * One watch. It starts by catching up: history is read one page at a time, the next page only
 * once the consumer has taken the last one and is not paused. The page that reaches the
 * current revision is read in the same tick as the watch joins the live stream; live events
 * are queued as they commit. Either way events reach the callback from a microtask.
 */
class PrefixWatch implements Watch {
  private pending: WatchEvent[] = [];
  private next = 0;
  private scheduled = false;
  private readScheduled = false;
  private stopped = false;
  private paused = false;
  private live = false;

  constructor(
    readonly prefix: string,
    /** The last revision read from history. */
    private after: number,
    private readonly source: HistorySource,
    private readonly onEvent: (e: WatchEvent) => void,
    private readonly onError: ((e: StoreError) => void) | undefined,
    private readonly prevKv: boolean,
  ) {}

  /** Reads the next page of history (the first one from inside watch(), so errors throw there). */
  readPage(): void {
    this.readScheduled = false;
    if (this.stopped || this.paused || this.live) return;
    let page: ReturnType<HistorySource['history']>;
    try {
      page = this.source.history(this.prefix, this.after, CATCH_UP_PAGE, this.prevKv);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.stop();
      if (error.code === 'Compacted') this.onError?.(error);
      return;
    }
    if (page.current) {
      this.live = true;
      this.source.goLive(this);
    }
    this.after = page.through;
    for (const event of page.events) this.enqueue(event);
    // A window with nothing under the prefix: on to the next one.
    if (page.events.length === 0) this.scheduleRead();
  }

  enqueue(event: WatchEvent): void {
    if (this.stopped) return;
    this.pending.push(event);
    // A microtask, never a synchronous call: the catch-up events are queued inside watch()
    // before the caller holds the Watch, and commits can run inside a caller's write call.
    this.scheduleDrain();
  }

  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.next = 0;
    this.source.forget(this);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.next < this.pending.length) this.scheduleDrain();
    else this.scheduleRead();
  }

  isLive(): boolean {
    return this.live;
  }

  private scheduleDrain(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  /**
   * The next page waits for the next event-loop turn: a watch catching up on a long history
   * then shares the process with requests and other watches instead of holding it page after page.
   */
  private scheduleRead(): void {
    if (this.live || this.readScheduled) return;
    this.readScheduled = true;
    setImmediate(() => this.readPage());
  }

  private drain(): void {
    this.scheduled = false;
    const blocked = () => this.stopped || (this.paused && !this.live);
    try {
      while (this.next < this.pending.length && !blocked()) this.onEvent(this.pending[this.next++]!);
    } finally {
      // If the callback threw, the event it was given counts as delivered; the rest follow.
      if (this.next < this.pending.length) {
        if (!blocked()) this.scheduleDrain();
      } else {
        this.pending = [];
        this.next = 0;
        if (!this.paused && !this.stopped) this.scheduleRead();
      }
    }
  }
}

export class SqliteStore implements Store {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private revision: number;
  private compacted: number;
  private queue: QueuedWrite[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private readonly watches = new Set<PrefixWatch>();
  private closed = false;

  private constructor(private readonly db: DatabaseSync) {
    this.statements = prepareStatements(db);
    this.compacted = Number(this.statements.getMeta.get('compacted')?.value ?? 0);
    // A compaction may have removed the newest row (a deletion at the compacted revision).
    this.revision = Math.max(Number(this.statements.maxRevision.get()?.revision ?? 0), this.compacted);
  }

  /**
   * Opens (creating if needed) the store at `path`; ':memory:' gives a private in-memory
   * store for tests. The file is locked exclusively: a second process (or a second open in
   * this one) fails rather than writing revisions this one does not know about.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const db = new DatabaseSync(path);
    try {
      // Exclusive before WAL: no shared-memory index is needed and nobody else can write.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
      if (path !== ':memory:' && mode !== 'wal')
        throw new Error(`${path}: cannot enable WAL mode (got ${mode})`);
      db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`);
      inTransaction(db, () => {
        const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
        if (version > SCHEMA_VERSION) {
          throw new Error(
            `${path}: store schema version ${version} is newer than this program's (${SCHEMA_VERSION})`,
          );
        }
        db.exec(SCHEMA);
        db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      });
    } catch (error) {
      db.close();
      if (error instanceof Error && /database is locked/.test(error.message)) {
        throw new Error(`${path}: database is locked (is another kubelab server using this data directory?)`);
      }
      throw error;
    }
    return new SqliteStore(db);
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const row = this.statements.get.get(key) as KeyValueRow | undefined;
    return row && toKeyValue(row);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    // A revision from the future reads as the current one; the result's `revision` says so.
    const revision = Math.min(options.revision ?? this.revision, this.revision);
    this.assertNotCompacted(revision);
    const historic = revision < this.revision;
    const page = historic ? this.statements.listAt : this.statements.listCurrent;
    const limit = options.limit ?? -1;
    const rows = page.all({
      ...rangeParams(prefix, options.after),
      ...(historic ? { rev: revision } : {}),
      limit: limit < 0 ? -1 : limit + 1,
    }) as unknown as KeyValueRow[];
    const more = limit >= 0 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toKeyValue);
    if (!more) return { items, revision, more };
    const count = historic ? this.statements.countAt : this.statements.countCurrent;
    const rest = rangeParams(prefix, items.at(-1)?.key);
    const remaining = Number(count.get({ ...rest, ...(historic ? { rev: revision } : {}) })?.n);
    return { items, revision, more, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return Number(this.statements.countCurrent.get(rangeParams(prefix))?.n);
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ op: 'create', key, value });
  }

  update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ op: 'update', key, value, expected: expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ op: 'delete', key, expected: expectedModRevision });
  }

  watch(
    prefix: string,
    afterRevision: number,
    onEvent: (e: WatchEvent) => void,
    options: WatchOptions = {},
  ): Watch {
    this.assertOpen();
    this.assertNotCompacted(afterRevision);
    const watch = new PrefixWatch(
      prefix,
      afterRevision,
      this.historySource,
      onEvent,
      options.onError,
      options.prevKv ?? false,
    );
    watch.readPage();
    return watch;
  }

  /**
   * Pages of history recently read by catching-up watches, keyed by prefix and revision window.
   * Watches that start from the same revision read the same windows, so while they catch up
   * side by side (informers of one resource after a restart, kube's watch cache case) each
   * window is read and decoded once, not once per watch (with the encoded text kept beside it,
   * 20 watches over 100k revisions allocated 2.25 GB instead of 7.3 GB; the server's V8 flags,
   * serverNodeFlags, are what bound its resident memory). A window
   * ending before the current revision never changes; compaction is checked before the lookup.
   */
  private readonly historyPages = new Map<string, WatchEvent[]>();

  private readonly historySource: HistorySource = {
    history: (prefix, after, revisions, prevKv) => {
      this.assertOpen();
      // History a catching-up watch has not read yet may be compacted away between its pages.
      this.assertNotCompacted(after);
      const through = Math.min(after + revisions, this.revision);
      const key = `${prefix}\u0000${after}\u0000${through}\u0000${prevKv}`;
      let events = this.historyPages.get(key);
      if (events) {
        // Most recently used last: the oldest entry is the one a straggler is least likely to want.
        this.historyPages.delete(key);
      } else {
        const read = prevKv ? this.statements.changesWithPrevBetween : this.statements.changesBetween;
        const rows = read.all({ ...rangeParams(prefix), after, through });
        events = (rows as unknown as LogRow[]).map(toEvent);
        if (this.historyPages.size >= HISTORY_PAGES_KEPT)
          this.historyPages.delete(this.historyPages.keys().next().value!);
      }
      this.historyPages.set(key, events);
      return { events, through, current: through === this.revision };
    },
    goLive: (watch) => this.watches.add(watch),
    forget: (watch) => this.watches.delete(watch),
  };

  async sizeBytes(): Promise<number> {
    this.assertOpen();
    // Compaction frees pages inside the file; SQLite reuses them for later writes rather than
    // shrinking the file (that would take a VACUUM, which rewrites the whole database).
    const pages = Number(this.db.prepare('PRAGMA page_count').get()?.page_count);
    const pageSize = Number(this.db.prepare('PRAGMA page_size').get()?.page_size);
    return pages * pageSize;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) {
      throw new RangeError(
        `cannot compact to revision ${revision}: the current revision is ${this.revision}`,
      );
    }
    // Compacting to c1 and then to c2 > c1 equals compacting to c2 (whatever is superseded at
    // c1 still is at c2), so a long compaction is done in steps, each one a consistent state
    // that lists and watches can use in between.
    while (this.compacted < revision) {
      const target = Math.min(revision, this.compacted + COMPACT_CHUNK);
      inTransaction(this.db, () => {
        this.statements.compact.run({ rev: target });
        this.statements.setMeta.run('compacted', target);
      });
      this.compacted = target;
      if (target < revision) {
        await new Promise((resolve) => setImmediate(resolve));
        this.assertOpen();
      }
    }
  }

  /** Commits the writes already queued, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.commitQueued();
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }

  private assertNotCompacted(revision: number): void {
    if (revision < this.compacted) {
      throw new StoreError(
        'Compacted',
        `revision ${revision} has been compacted (oldest available: ${this.compacted})`,
        this.compacted,
      );
    }
  }

  private enqueue(request: WriteRequest): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(closedError());
        return;
      }
      this.queue.push({ ...request, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.commitQueued();
      else this.flushTimer ??= setImmediate(() => this.commitQueued());
    });
  }

  /** Commits every queued write in one transaction, then settles them and publishes their events. */
  private commitQueued(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;

    let revision = this.revision;
    let outcomes: (WatchEvent | StoreError)[];
    try {
      outcomes = inTransaction(this.db, () =>
        batch.map((write) => {
          const outcome = this.apply(write, revision + 1);
          if (!(outcome instanceof StoreError)) revision++;
          return outcome;
        }),
      );
    } catch (error) {
      // Nothing of the batch was written, and its rejections were judged against rolled-back state.
      for (const write of batch) write.reject(error);
      return;
    }

    this.revision = revision;
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof StoreError) write.reject(outcome);
      else write.resolve(outcome.kv);
    });
    for (const outcome of outcomes) {
      if (outcome instanceof StoreError) continue;
      for (const watch of this.watches) if (outcome.kv.key.startsWith(watch.prefix)) watch.enqueue(outcome);
    }
  }

  /** Checks one write against the state so far (including this transaction) and writes it as `revision`. */
  private apply(write: QueuedWrite, revision: number): WatchEvent | StoreError {
    const s = this.statements;
    const row = s.get.get(write.key) as KeyValueRow | undefined;
    const existing = row && toKeyValue(row);
    if (write.op === 'create') {
      if (existing) return new StoreError('KeyExists', `key ${write.key} already exists`);
      s.insertLog.run(revision, write.key, 1, 0, revision, 0, write.value);
      s.setCurrent.run(write.key, revision);
      const kv = { key: write.key, value: write.value, createRevision: revision, modRevision: revision };
      return { type: 'create', kv };
    }
    if (!existing) return new StoreError('KeyNotFound', `key ${write.key} not found`);
    if (write.expected !== undefined && write.expected !== existing.modRevision) {
      return new StoreError(
        'Conflict',
        `key ${write.key} is at revision ${existing.modRevision}, not ${write.expected}`,
        existing.modRevision,
      );
    }
    const { createRevision, modRevision } = existing;
    if (write.op === 'delete') {
      s.insertLog.run(revision, write.key, 0, 1, createRevision, modRevision, existing.value);
      s.deleteCurrent.run(write.key);
      return { type: 'delete', kv: { ...existing, modRevision: revision } };
    }
    s.insertLog.run(revision, write.key, 0, 0, createRevision, modRevision, write.value);
    s.setCurrent.run(write.key, revision);
    return {
      type: 'update',
      kv: { key: write.key, value: write.value, createRevision, modRevision: revision },
      prev: existing,
    };
  }
}

function inTransaction<T>(db: DatabaseSync, body: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = body();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // Some failures (an I/O error, a full disk) end the transaction themselves; the original error is the one to report.
    }
    throw error;
  }
}

function prepareStatements(db: DatabaseSync) {
  const prepare = (sql: string): StatementSync => db.prepare(sql);
  const statements = {
    maxRevision: prepare('SELECT MAX(revision) AS revision FROM log'),
    getMeta: prepare('SELECT value FROM meta WHERE name = ?'),
    setMeta: prepare(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    get: prepare(
      'SELECT l.key, l.value, l.create_revision, l.revision FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?',
    ),
    listCurrent: prepare(
      `SELECT l.key, l.value, l.create_revision, l.revision FROM current c JOIN log l ON l.revision = c.revision
       WHERE ${IN_RANGE('c.key')} ORDER BY c.key LIMIT :limit`,
    ),
    countCurrent: prepare(`SELECT COUNT(*) AS n FROM current WHERE ${IN_RANGE('key')}`),
    // Walks the (key, revision) index in key order, so a page stops after `limit` keys.
    listAt: prepare(
      `SELECT l.key, l.value, l.create_revision, l.revision FROM log l
       WHERE ${IN_RANGE('l.key')} AND ${LATEST_AT_REVISION} AND l.deleted = 0 ORDER BY l.key LIMIT :limit`,
    ),
    countAt: prepare(
      `SELECT COUNT(*) AS n FROM log l WHERE ${IN_RANGE('l.key')} AND ${LATEST_AT_REVISION} AND l.deleted = 0`,
    ),
    // A window of revisions, walked on the primary key: `+l.key` keeps SQLite from using the
    // key index instead, which would read and sort the prefix's whole history for every page.
    changesBetween: prepare(
      `SELECT l.* FROM log l
       WHERE l.revision > :after AND l.revision <= :through AND ${IN_RANGE('+l.key')} ORDER BY l.revision`,
    ),
    changesWithPrevBetween: prepare(
      `SELECT l.*, p.value AS prev_value FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
       WHERE l.revision > :after AND l.revision <= :through AND ${IN_RANGE('+l.key')} ORDER BY l.revision`,
    ),
    insertLog: prepare(
      'INSERT INTO log (revision, key, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    setCurrent: prepare(
      'INSERT INTO current (key, revision) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision',
    ),
    deleteCurrent: prepare('DELETE FROM current WHERE key = ?'),
    // Keeps, among rows at or before :rev, only the newest row of each key live at :rev.
    compact: prepare(
      `DELETE FROM log WHERE revision <= :rev AND (deleted = 1 OR EXISTS (
         SELECT 1 FROM log newer WHERE newer.key = log.key AND newer.revision > log.revision AND newer.revision <= :rev))`,
    ),
  };
  return statements;
}
