// client-go's work queue, which every controller's reconcile loop drains. Its guarantees are
// what make level-triggered controllers safe with several workers:
//  - an item added many times while waiting is processed once (dedup);
//  - an item is never handed to two workers at once: if it is added while being processed it
//    is queued again only when done() is called;
//  - failures back off per item (addRateLimited) until forget() clears the history.
// All timing goes through a Clock so tests step time instead of sleeping.
import type { Clock, TimerHandle } from './clock.js';
import { realClock } from './clock.js';

export interface RateLimiter<T> {
  /** How long to wait before the item is retried; counts as one more failure. */
  when(item: T): number;
  /** Clears the item's failure history. */
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** Per-item exponential backoff: base, 2*base, 4*base, ... capped at max (client-go's item limiter). */
export class ItemExponentialRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall token bucket (qps refill, burst capacity) shared by all items. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly qps = 10,
    private readonly burst = 100,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item: T): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    // Reserve a token even if it is not there yet: the wait is how long until it will be.
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest wait any of the limiters asks for. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    return Math.max(...this.limiters.map((l) => l.when(item)));
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    return Math.max(...this.limiters.map((l) => l.numRequeues(item)));
  }
}

/** client-go's DefaultControllerRateLimiter: 5 ms doubling per item (capped), and 10 qps / 100 burst overall. */
export function defaultControllerRateLimiter<T>(clock: Clock, maxItemDelayMs = 1_000_000): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialRateLimiter<T>(5, maxItemDelayMs),
    new BucketRateLimiter<T>(clock),
  );
}

export interface WorkQueueOptions<T> {
  clock?: Clock;
  rateLimiter?: RateLimiter<T>;
}

export class WorkQueue<T = string> {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter<T>;
  private readonly queue: T[] = [];
  /** Items that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiting = new Map<T, { due: number; timer: TimerHandle }>();
  private readonly getters: (() => void)[] = [];
  private shutdown = false;

  constructor(options: WorkQueueOptions<T> = {}) {
    this.clock = options.clock ?? realClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  add(item: T): void {
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.getters.shift()?.();
  }

  /**
   * Waits for the next item and marks it as being processed; call done(item) afterwards.
   * After shutDown, items already queued are still handed out, then undefined.
   */
  async get(): Promise<T | undefined> {
    while (this.queue.length === 0 && !this.shutdown) {
      await new Promise<void>((resolve) => this.getters.push(resolve));
    }
    const item = this.queue.shift();
    if (item === undefined) return undefined;
    this.processing.add(item);
    this.dirty.delete(item);
    return item;
  }

  /** Marks processing finished; an item re-added meanwhile goes back on the queue now. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item) && !this.shutdown) {
      this.queue.push(item);
      this.getters.shift()?.();
    }
  }

  /** Adds the item after `ms`; of several pending delays for one item, the earliest wins. */
  addAfter(item: T, ms: number): void {
    if (this.shutdown) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const due = this.clock.now() + ms;
    const pending = this.waiting.get(item);
    if (pending) {
      if (pending.due <= due) return;
      this.clock.clearTimeout(pending.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, ms);
    this.waiting.set(item, { due, timer });
  }

  /** Re-adds a failed item after its rate-limited backoff. */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Ends backoff tracking for an item (call it when the item was processed successfully). */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Items waiting to be handed out (not counting those being processed or delayed). */
  len(): number {
    return this.queue.length;
  }

  /** Nothing waiting and nothing being processed (delayed adds not counted): caught up with what it was given. */
  idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  /** Stops accepting items and wakes every waiting get(); delayed adds are dropped. */
  shutDown(): void {
    this.shutdown = true;
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    for (const wake of this.getters.splice(0)) wake();
  }

  shuttingDown(): boolean {
    return this.shutdown;
  }
}
