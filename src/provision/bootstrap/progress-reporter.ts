// Progress of `kubelab up` per machine and step. In a terminal: one live line per machine
// (its current step, elapsed time and latest detail such as bytes uploaded) redrawn at most ten
// times a second, with each finished step printed above for good. Otherwise (CI, a pipe, a
// log file): plain lines, one when a step starts and one when it ends, details at most every
// few seconds. Every finished step's duration is kept for benchmarks and the summary.

export type StepState = 'started' | 'done' | 'detail' | 'failed';

export interface StepTiming {
  machine: string;
  step: string;
  ms: number;
}

/**
 * Where `kubelab up` reports what it does: the terminal (ProgressReporter) or the TUI's
 * start screen, which draws the same steps per machine inside its own frame.
 */
export interface ProgressSink {
  /** Each finished step's duration (benchmarks, summaries). */
  readonly timings: StepTiming[];
  /** A line that is not about one machine (which provider, what is cached). */
  say(line: string): void;
  step(machine: string, step: string, state: StepState, detail?: string): void;
  /** The work is over (done or failed): a terminal stops redrawing its live lines. */
  close(): void;
}

interface Live {
  machine: string;
  step: string;
  detail?: string;
  startedAt: number;
  lastPlainDetailAt: number;
}

const plainDetailEveryMs = 3_000;
const frameMs = 100;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class ProgressReporter implements ProgressSink {
  readonly timings: StepTiming[] = [];
  private readonly live = new Map<string, Live>();
  private drawnLines = 0;
  private timer?: NodeJS.Timeout;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tty = Boolean(out.isTTY) && process.env.TERM !== 'dumb';
  }

  say(line: string): void {
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  step(machine: string, step: string, state: StepState, detail?: string): void {
    const t = this.now();
    // A machine may run two steps at once (the control plane starts while images load).
    const key = `${machine}\u0000${step}`;
    const current = this.live.get(key);
    if (state === 'started') {
      this.live.set(key, { machine, step, startedAt: t, lastPlainDetailAt: t, detail });
      if (!this.tty) this.out.write(`${machine}: ${step}...${detail ? ` (${detail})` : ''}\n`);
      this.schedule();
      return;
    }
    if (state === 'detail') {
      if (!current) return;
      current.detail = detail;
      if (!this.tty && t - current.lastPlainDetailAt >= plainDetailEveryMs) {
        current.lastPlainDetailAt = t;
        this.out.write(`${machine}: ${current.step}: ${detail}\n`);
      }
      this.schedule();
      return;
    }
    const startedAt = current?.startedAt ?? t;
    this.live.delete(key);
    const ms = t - startedAt;
    if (state === 'done') this.timings.push({ machine, step, ms });
    const mark =
      state === 'done'
        ? this.tty
          ? '\u001b[32m✓\u001b[0m'
          : 'done'
        : this.tty
          ? '\u001b[31m✗\u001b[0m'
          : 'FAILED';
    const line = this.tty
      ? `${mark} ${machine}: ${step}${detail ? ` (${detail})` : ''} ${seconds(ms)}`
      : `${machine}: ${step} ${mark} in ${seconds(ms)}${detail ? ` (${detail})` : ''}`;
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  /** Stops redrawing and leaves the screen with only the permanent lines. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.erase();
    this.live.clear();
  }

  private schedule(): void {
    if (!this.tty || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.erase();
      this.draw();
      if (this.live.size > 0) this.schedule();
    }, frameMs);
    this.timer.unref();
  }

  private erase(): void {
    if (!this.tty || this.drawnLines === 0) return;
    this.out.write(`\u001b[${this.drawnLines}A\u001b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    if (!this.tty || this.live.size === 0) return;
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const t = this.now();
    const lines = [...this.live.values()].map((l) => {
      const text = `  ${l.machine}: ${l.step} ${seconds(t - l.startedAt)}${l.detail ? `  ${l.detail}` : ''}`;
      return text.length > width ? `${text.slice(0, width - 1)}…` : text;
    });
    this.out.write(`\u001b[2m${lines.join('\n')}\u001b[0m\n`);
    this.drawnLines = lines.length;
    this.schedule();
  }
}
