// The kubelet's crash-loop back-off (client-go flowcontrol.Backoff keyed per pod+container):
// the first exit restarts at once and arms a 10 s delay; each later exit waits out the delay,
// measured from the container's finish time, then doubles it, up to 5 minutes. An entry
// untouched for twice the maximum starts over, so a container that ran fine for 10 minutes
// is treated as new when it fails again. Image pulls back off the same way (ImagePullBackOff),
// keyed per container's pull.
import type { Clock } from '../client/clock.js';

export const defaultInitialBackOffMs = 10_000;
export const defaultMaxBackOffMs = 300_000;

interface Entry {
  backoffMs: number;
  lastUpdateMs: number;
}

export class RestartBackOff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = defaultInitialBackOffMs,
    readonly maxMs = defaultMaxBackOffMs,
  ) {}

  /** True while the container that finished at `eventMs` must not be restarted yet. */
  isInBackOffSince(key: string, eventMs: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(eventMs, e)) return false;
    return this.clock.now() - eventMs < e.backoffMs;
  }

  /** Records a restart of the container that finished at `eventMs`; lengthens the next wait. */
  next(key: string, eventMs: number): void {
    const e = this.entries.get(key);
    const backoffMs = !e || this.expired(eventMs, e) ? this.initialMs : Math.min(e.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdateMs: this.clock.now() });
  }

  /** The current delay for `key` (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Milliseconds until the container that finished at `eventMs` may restart. */
  remaining(key: string, eventMs: number): number {
    return Math.max(0, eventMs + this.get(key) - this.clock.now());
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  private expired(eventMs: number, e: Entry): boolean {
    return eventMs - e.lastUpdateMs > 2 * this.maxMs;
  }
}
