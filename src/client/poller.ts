// Runs an async task again and again with a pause between runs (not a fixed rate: a slow
// control plane is never asked twice at once). Time comes from the injected clock so tests
// step it instead of sleeping.
import type { Clock } from './clock.js';

export class Poller {
  private abort?: AbortController;

  constructor(
    private readonly clock: Clock,
    /** The pause after each run; a function so a task can slow down (e.g. an API that is not served). */
    private readonly intervalMs: () => number,
    private readonly task: (signal: AbortSignal) => Promise<void>,
  ) {}

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    void this.loop(this.abort.signal);
  }

  stop(): void {
    this.abort?.abort(new Error('poller stopped'));
    this.abort = undefined;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // The task reports its own failures; one that throws must not end the polling.
      await this.task(signal).catch(() => {});
      await this.clock.sleep(this.intervalMs(), signal).catch(() => {});
    }
  }
}
