// `kubelab up`'s progress as the TUI's start screen draws it: the same ProgressSink the
// terminal reporter implements, kept as state per machine (steps done with their durations,
// steps running with their latest detail, the step that failed) plus the lines not about one
// machine. Changes are coalesced into at most ten snapshots a second: an upload reports its
// bytes many times a second, and the screen need not follow each one.
import type { ProgressSink, StepState, StepTiming } from '../../provision/bootstrap/progress-reporter.js';

export interface RunningStep {
  step: string;
  startedAt: number;
  detail?: string;
}

export interface MachineProgress {
  /** A machine, or a piece of work that is not one ("lab images"). */
  name: string;
  done: { step: string; ms: number; detail?: string }[];
  running: RunningStep[];
  failed?: { step: string; detail?: string };
}

export interface ProvisionSnapshot {
  /** Lines not about one machine, oldest first (which provider and why, the result). */
  lines: readonly string[];
  machines: readonly MachineProgress[];
}

const frameMs = 100;

export class ProvisionProgress implements ProgressSink {
  readonly timings: StepTiming[] = [];
  private readonly lines: string[] = [];
  private readonly machines = new Map<string, MachineProgress>();
  private readonly listeners = new Set<() => void>();
  private snapshot: ProvisionSnapshot = { lines: [], machines: [] };
  private timer?: NodeJS.Timeout;

  constructor(private readonly now: () => number = () => Date.now()) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ProvisionSnapshot => this.snapshot;

  say(line: string): void {
    this.lines.push(...line.split('\n'));
    this.changed();
  }

  step(machine: string, step: string, state: StepState, detail?: string): void {
    let m = this.machines.get(machine);
    if (!m) {
      m = { name: machine, done: [], running: [] };
      this.machines.set(machine, m);
    }
    const t = this.now();
    const running = m.running.find((r) => r.step === step);
    if (state === 'started') {
      m.running = [...m.running.filter((r) => r.step !== step), { step, startedAt: t, detail }];
    } else if (state === 'detail') {
      if (running) m.running = m.running.map((r) => (r === running ? { ...r, detail } : r));
    } else {
      m.running = m.running.filter((r) => r !== running);
      const ms = t - (running?.startedAt ?? t);
      if (state === 'done') {
        m.done = [...m.done, { step, ms, detail }];
        this.timings.push({ machine, step, ms });
      } else {
        m.failed = { step, detail };
      }
    }
    this.changed();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.publish();
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, frameMs);
    this.timer.unref();
  }

  private publish(): void {
    this.snapshot = {
      lines: [...this.lines],
      machines: [...this.machines.values()].map((m) => ({ ...m })),
    };
    for (const l of this.listeners) l();
  }
}
