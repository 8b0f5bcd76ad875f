// Streaming watch: the server answers `?watch=1` with newline-delimited JSON events on a
// chunked response. Chunk boundaries fall anywhere (mid-line, mid-UTF-8 character), so the
// decoder buffers; RetryWatcher reconnects from the last resourceVersion it saw so callers
// see every change exactly once, and hands 410 Expired back so an informer can relist.
import { StringDecoder } from 'node:string_decoder';
import type { KubeObject } from '../api/kube-object.js';
import type { StatusObject } from '../api/status-error.js';
import { StatusError } from '../api/status-error.js';
import type { Clock } from './clock.js';
import { realClock } from './clock.js';
import type { ApiClient, QueryValue } from './rest-client.js';

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** Carries only `metadata.resourceVersion`: progress with no change to report. */
  | { type: 'BOOKMARK'; object: KubeObject };

export type RawWatchEvent = WatchEvent<KubeObject> | { type: 'ERROR'; object: Partial<StatusObject> };

const eventTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Turns arbitrary chunks of a watch response into whole events. */
export class WatchDecoder {
  private readonly utf8 = new StringDecoder('utf8');
  private buffer = '';

  push(chunk: Buffer | string): RawWatchEvent[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.utf8.write(chunk);
    const events: RawWatchEvent[] = [];
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) events.push(parseEvent(line));
    }
    return events;
  }

  /**
   * Called when the server closes the stream. A final line without its newline is used only
   * if it is whole JSON; a line cut short is dropped, because resuming from the last
   * resourceVersion delivers that event again.
   */
  end(): RawWatchEvent[] {
    const rest = (this.buffer + this.utf8.end()).trim();
    this.buffer = '';
    if (!rest) return [];
    try {
      return [parseEvent(rest)];
    } catch {
      return [];
    }
  }
}

function parseEvent(line: string): RawWatchEvent {
  let event: { type?: unknown; object?: unknown };
  try {
    event = JSON.parse(line);
  } catch {
    throw new Error(`watch stream: malformed event: ${line.slice(0, 200)}`);
  }
  if (typeof event?.type !== 'string' || !eventTypes.has(event.type) || typeof event.object !== 'object') {
    throw new Error(`watch stream: unexpected event: ${line.slice(0, 200)}`);
  }
  return event as RawWatchEvent;
}

/**
 * Runs one watch connection. Resolves when the server ends the stream; rejects on a network
 * failure, on a malformed stream, or with the StatusError of an ERROR event.
 */
export async function watchOnce(
  client: ApiClient,
  path: string,
  query: Record<string, QueryValue>,
  signal: AbortSignal,
  handlers: { onOpen?: () => void; onEvent: (event: WatchEvent<KubeObject>) => void },
): Promise<void> {
  const res = await client.stream(path, { ...query, watch: 1 }, signal);
  handlers.onOpen?.();
  const decoder = new WatchDecoder();
  const deliver = (events: RawWatchEvent[]) => {
    for (const e of events) {
      if (e.type === 'ERROR') throw StatusError.fromStatus(e.object, e.object.code ?? 500);
      handlers.onEvent(e);
    }
  };
  try {
    for await (const chunk of res) deliver(decoder.push(chunk as Buffer));
  } finally {
    res.destroy();
  }
  deliver(decoder.end());
}

export interface WatchOptions {
  /** Start after this version; later reconnects use the last version seen. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Asks the server to end each connection after this long, so dead connections get recycled. */
  timeoutSeconds?: number;
}

export interface RetryWatcherOptions {
  clock?: Clock;
  /** First retry delay after an error; doubles per consecutive failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Connection state, for "disconnected, reconnecting" displays. Not called for 410. */
  onConnectionChange?: (connected: boolean, error?: Error) => void;
}

export function isExpired(e: unknown): e is StatusError {
  return e instanceof StatusError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
}

/**
 * A watch that outlives connections, like client-go's RetryWatcher: it reconnects after a
 * server close or a failure (with backoff), resuming from the last resourceVersion seen,
 * bookmarks included. `done` resolves after stop() and rejects with the 410 StatusError when
 * that version has been compacted away; the caller must then list again.
 */
export class RetryWatcher<T extends KubeObject> {
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  private lastVersion: string;
  private connected = false;
  private started = false;

  constructor(
    private readonly client: ApiClient,
    private readonly path: string,
    private readonly options: WatchOptions,
    private readonly handlers: { onEvent: (event: WatchEvent<T>) => void },
    private readonly retry: RetryWatcherOptions = {},
  ) {
    this.clock = retry.clock ?? realClock;
    this.lastVersion = options.resourceVersion ?? '';
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // `done` may be ignored by callers that only stop(); a 410 must not crash the process then.
    this.done.catch(() => {});
  }

  /** The last resourceVersion delivered (the resume point). */
  get resourceVersion(): string {
    return this.lastVersion;
  }

  start(): this {
    if (!this.started) {
      this.started = true;
      this.run().then(this.settle.resolve, this.settle.reject);
    }
    return this;
  }

  stop(): void {
    this.abort.abort(new Error('watch stopped'));
    if (!this.started) this.settle.resolve();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const initial = this.retry.initialBackoffMs ?? 100;
    const max = this.retry.maxBackoffMs ?? 5_000;
    let delay = initial;
    while (!signal.aborted) {
      const openedAt = this.clock.now();
      let delivered = false;
      try {
        await watchOnce(
          this.client,
          this.path,
          {
            resourceVersion: this.lastVersion || undefined,
            allowWatchBookmarks: true,
            labelSelector: this.options.labelSelector || undefined,
            fieldSelector: this.options.fieldSelector || undefined,
            timeoutSeconds: this.options.timeoutSeconds,
          },
          signal,
          {
            onOpen: () => this.setConnected(true),
            onEvent: (e) => {
              delivered = true;
              const rv = e.object.metadata?.resourceVersion;
              if (rv) this.lastVersion = rv;
              this.handlers.onEvent(e as WatchEvent<T>);
            },
          },
        );
        // A clean close (server timeout, restart) resumes at once; only a server that closes
        // empty streams straight away is backed off from, so we never hammer it.
        if (delivered || this.clock.now() - openedAt >= initial) {
          delay = initial;
          continue;
        }
        this.setConnected(false, new Error(`the server closed the watch on ${this.path} at once`));
        await this.clock.sleep(delay, signal).catch(() => {});
        delay = Math.min(delay * 2, max);
      } catch (e) {
        if (signal.aborted) break;
        if (isExpired(e)) {
          this.connected = false;
          throw e;
        }
        this.setConnected(false, e as Error);
        if (delivered) delay = initial;
        await this.clock.sleep(delay, signal).catch(() => {});
        delay = Math.min(delay * 2, max);
      }
    }
  }

  private setConnected(connected: boolean, error?: Error): void {
    if (connected === this.connected && connected) return;
    this.connected = connected;
    this.retry.onConnectionChange?.(connected, error);
  }
}
