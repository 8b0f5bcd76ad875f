// Sharing the one event loop between requests. Node serves every request on one thread, and
// once a request starts, its synchronous work (reading the store, encoding a list, TLS) runs
// to completion: counting seats (max in-flight) bounds how many requests wait, not how much
// work runs before the loop next polls its sockets. Without this gate everything polled in one
// turn runs in the next, and a health check arriving meanwhile waits for all of it (measured
// before this gate: /readyz p99 16.9 s under 200 busy clients). The gate starts waiting
// requests a few per turn, as many as keep a turn near `budgetMs`; what bypasses it (health
// checks, Lease renewals, the control plane) is answered at the next poll of its socket.

/**
 * How many requests to start in the next turn: one more while turns stay within budget (an
 * idle server loses nothing), half as many once a turn overran it. `tookMs` is the last turn.
 */
export function nextShare(share: number, tookMs: number, budgetMs: number, maxShare: number): number {
  return tookMs > budgetMs ? Math.max(1, Math.floor(share / 2)) : Math.min(maxShare, share + 1);
}

export class TurnGate {
  private readonly waiting: (() => void)[] = [];
  private share = 1;
  /** When the last release ran; undefined while nobody waits (the idle time is no turn's cost). */
  private lastRelease: number | undefined;
  private scheduled = false;

  constructor(
    private readonly budgetMs: number,
    private readonly maxShare = 64,
  ) {}

  /** Resolves when the request may start its work. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // setImmediate queued from within a setImmediate callback runs in the next turn, after the
    // loop has polled its sockets: one release per turn.
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    const now = performance.now();
    if (this.lastRelease !== undefined)
      this.share = nextShare(this.share, now - this.lastRelease, this.budgetMs, this.maxShare);
    for (let i = 0; i < this.share && this.waiting.length > 0; i++) this.waiting.shift()!();
    this.lastRelease = this.waiting.length > 0 ? now : undefined;
    this.schedule();
  }
}
