// The shape of every kubelab controller, after controller-runtime's Reconciler and
// client-go's work queue: informers turn object changes into keys (namespace/name), a work
// queue hands each key to one worker at a time, and reconcile(key) reads the current state
// from the informer caches and converges it. Reconcile is level-triggered: it is told only
// *which* object to look at, never what changed, so a missed or repeated event cannot make
// it wrong. Errors requeue with per-key exponential back-off; a result may ask for a timed
// requeue (e.g. "check again when this deadline passes"). All time goes through the Clock.

import type { KubeObject } from '../api/kube-object.js';
import { StatusError } from '../api/status-error.js';
import type { Clock } from './clock.js';
import type { Informer } from './informer.js';
import { objectKey } from './object-key.js';
import { WorkQueue } from './workqueue.js';

export interface ReconcileResult {
  /** Look at this key again after this long even if nothing changes. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  // biome-ignore lint/suspicious/noConfusingVoidType: a reconciler that never requeues just returns.
  reconcile(key: string): Promise<ReconcileResult | undefined | void>;
}

export interface ControllerOptions {
  name: string;
  clock: Clock;
  workers?: number;
  /** Where reconcile errors go; by default a log line on stderr naming the controller and key. */
  onError?: (key: string, error: unknown) => void;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private running = false;
  private lastError: { key: string; message: string; at: number } | undefined;
  private reconciles = 0;

  constructor(
    private readonly options: ControllerOptions,
    private readonly reconciler: Reconciler,
  ) {
    this.name = options.name;
    this.queue = new WorkQueue<string>({ clock: options.clock });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /**
   * Enqueues keys for every change an informer sees. `keysFor` maps an object to the keys
   * to reconcile (by default the object's own key; an owner's key for owned objects).
   */
  watch<T extends KubeObject>(
    informer: Informer<T>,
    keysFor: (obj: T) => (string | undefined)[] = (o) => [objectKey(o)],
  ): void {
    const enqueueAll = (obj: T) => {
      for (const k of keysFor(obj)) if (k) this.enqueue(k);
    };
    informer.addEventHandler({
      onAdd: enqueueAll,
      onUpdate: (old, obj) => {
        enqueueAll(old);
        enqueueAll(obj);
      },
      onDelete: enqueueAll,
    });
  }

  /** Runs the workers until the queue shuts down (see stop). */
  async run(): Promise<void> {
    this.running = true;
    const workers = Array.from({ length: this.options.workers ?? 1 }, () => this.worker());
    await Promise.all(workers);
    this.running = false;
  }

  stop(): void {
    this.queue.shutDown();
  }

  /** For /readyz and `kubelab status`: running, with the last error if any. */
  health(): {
    name: string;
    running: boolean;
    reconciles: number;
    lastError?: { key: string; message: string; at: number };
  } {
    return { name: this.name, running: this.running, reconciles: this.reconciles, lastError: this.lastError };
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.reconciler.reconcile(key);
        this.reconciles++;
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (e) {
        this.lastError = { key, message: (e as Error)?.message ?? String(e), at: this.options.clock.now() };
        // Conflict / AlreadyExists mean the cache was a step behind a concurrent write; the requeue
        // below reads the newer state. Expected and harmless, so not worth a log line.
        const conflict =
          e instanceof StatusError && (e.reason === 'Conflict' || e.reason === 'AlreadyExists');
        if (this.options.onError) this.options.onError(key, e);
        else if (!conflict)
          process.stderr.write(`${this.name}: reconcile ${key}: ${this.lastError.message}\n`);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
