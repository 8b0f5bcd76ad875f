// A container's log as the logs screen reads it: the API server's pods/{name}/log with
// follow, the last lines kept in a bounded buffer, and new lines announced at most ten times
// a second however fast the container writes.
import { StringDecoder } from 'node:string_decoder';
import { type Clock, realClock } from '../../client/clock.js';
import { FrameScheduler } from '../../client/frame-scheduler.js';
import type { ApiClient } from '../../client/rest-client.js';

export type LogPhase = 'connecting' | 'streaming' | 'ended' | 'failed';

export interface LogState {
  lines: readonly string[];
  phase: LogPhase;
  error?: string;
  /** Lines dropped from the front to keep the buffer bounded. */
  dropped: number;
}

/** What the logs screen reads; PodLogStream is the live one. */
export interface LogSource {
  subscribe(listener: () => void): () => void;
  getState(): LogState;
  stop(): void;
}

export interface PodLogTarget {
  namespace: string;
  pod: string;
  container?: string;
}

export class PodLogStream implements LogSource {
  private readonly listeners = new Set<() => void>();
  private readonly abort = new AbortController();
  private readonly frames: FrameScheduler;
  private lines: string[] = [];
  private partial = '';
  private dropped = 0;
  private state: LogState = { lines: [], phase: 'connecting', dropped: 0 };

  constructor(
    private readonly client: ApiClient,
    private readonly target: PodLogTarget,
    private readonly options: { tailLines?: number; maxLines?: number; clock?: Clock } = {},
  ) {
    this.frames = new FrameScheduler(options.clock ?? realClock, 100, () => this.publish());
  }

  start(): this {
    void this.run();
    return this;
  }

  stop(): void {
    this.abort.abort(new Error('log stream closed'));
    this.frames.cancel();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): LogState => this.state;

  private async run(): Promise<void> {
    const { namespace, pod, container } = this.target;
    let phase: LogPhase = 'connecting';
    let error: string | undefined;
    try {
      const res = await this.client.stream(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
        { container, follow: true, tailLines: this.options.tailLines ?? 500 },
        this.abort.signal,
        { accept: 'text/plain' },
      );
      this.setPhase('streaming');
      const decoder = new StringDecoder('utf8');
      for await (const chunk of res) this.append(decoder.write(chunk as Buffer));
      this.append(decoder.end());
      phase = 'ended';
    } catch (e) {
      if (this.abort.signal.aborted) return;
      phase = 'failed';
      error = (e as Error).message;
    }
    if (this.partial) this.push(this.partial);
    this.partial = '';
    this.setPhase(phase, error);
  }

  private append(text: string): void {
    if (!text) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
    this.frames.request();
  }

  private push(line: string): void {
    this.lines.push(line);
    const max = this.options.maxLines ?? 5_000;
    if (this.lines.length > max) {
      const extra = this.lines.length - max;
      this.lines.splice(0, extra);
      this.dropped += extra;
    }
  }

  private setPhase(phase: LogPhase, error?: string): void {
    this.state = { ...this.state, phase, error };
    this.frames.request();
  }

  private publish(): void {
    this.state = { ...this.state, lines: [...this.lines], dropped: this.dropped };
    for (const l of this.listeners) l();
  }
}
