// The kubelet's runtime state (pkg/kubelet/runtime.go): the agent asks its container runtime
// every few seconds whether it answers (Docker's /_ping), each time with a short timeout,
// because a hung daemon never refuses a connection, it just never replies. Once the runtime
// has not answered for `downAfterMs` it is down: the node reports Ready=False, reason
// KubeletNotReady, message "container runtime is down", as the kubelet does, while the agent
// keeps running and renewing its Lease (the node is reachable, just not ready). The first
// answer after that brings Ready back, and listeners resync their pods, since containers may
// have died while nobody could see them.
import type { Clock, TimerHandle } from '../client/clock.js';

/** The kubelet's words (runtimeState.runtimeErrors) for a runtime that stopped answering. */
export const runtimeDownMessage = 'container runtime is down';

export interface RuntimeHealthOptions {
  clock: Clock;
  /** One health question to the runtime; aborting `signal` abandons it. */
  ping(signal: AbortSignal): Promise<unknown>;
  /** Pause between questions (default 2 s). */
  intervalMs?: number;
  /** How long one question may take (default 3 s). */
  timeoutMs?: number;
  /** Silence after which the runtime is down (default 6 s; the kubelet's is 2 min). */
  downAfterMs?: number;
  log?(message: string): void;
}

export class RuntimeHealth {
  private lastAnswerMs: number;
  private down = false;
  private timer?: TimerHandle;
  private stopped = false;
  private readonly listeners = new Set<(healthy: boolean) => void>();

  /** The runtime counts as answering from now: the agent has just connected to it. */
  constructor(private readonly o: RuntimeHealthOptions) {
    this.lastAnswerMs = o.clock.now();
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  /** Why the node is not ready because of its runtime; undefined while the runtime answers. */
  error(): string | undefined {
    return this.down ? runtimeDownMessage : undefined;
  }

  /** Called with the new health each time the runtime goes down or comes back. */
  onChange(listener: (healthy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => void this.check(), this.o.intervalMs ?? 2_000);
  }

  private async check(): Promise<void> {
    const { clock } = this.o;
    const timeoutMs = this.o.timeoutMs ?? 3_000;
    const abort = new AbortController();
    const timer = clock.setTimeout(
      () => abort.abort(new Error(`no answer within ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
    const abandoned = new Promise<never>((_, reject) =>
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
    );
    let failure: string | undefined;
    try {
      // Raced, not just aborted: a client that ignores the signal must not hang the check.
      await Promise.race([this.o.ping(abort.signal), abandoned]);
      this.lastAnswerMs = clock.now();
    } catch (e) {
      failure = (e as Error)?.message ?? String(e);
    } finally {
      clock.clearTimeout(timer);
    }
    if (this.stopped) return;
    const down = clock.now() - this.lastAnswerMs >= (this.o.downAfterMs ?? 6_000);
    if (down !== this.down) {
      this.down = down;
      this.o.log?.(
        down
          ? `${runtimeDownMessage} (${failure}); node not ready until it answers`
          : 'container runtime answers again; node ready, resyncing pods',
      );
      for (const l of this.listeners) l(!down);
    }
    this.schedule();
  }
}
