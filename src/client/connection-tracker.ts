// Whether a long-running client (the TUI, the dashboard) can use the API server, as a person
// should read it: connecting until every informer has listed once; connected; disconnected
// when a poll of the server fails (or, once connected, when a watch loses its connection);
// reconnecting while the server answers again but the caches are still resyncing. Informers
// alone cannot tell "the server is gone" from "a watch is being renewed", so the caller's own
// poll (/readyz, metrics) is the evidence that the server does not answer.
import type { Clock } from './clock.js';
import type { InformerState } from './informer.js';
import { ApiConnectionError } from './rest-client.js';

/** connecting (never synced) -> connected; then disconnected (server unreachable) -> reconnecting (reachable, caches resyncing) -> connected. */
export type ConnectionPhase = 'connecting' | 'connected' | 'disconnected' | 'reconnecting';

export interface ConnectionStatus {
  phase: ConnectionPhase;
  /** When this phase began (clock milliseconds). */
  since: number;
  /** Why the API server cannot be used, while disconnected. */
  error?: string;
}

/** What the tracker reads of an informer (an `Informer` is one). */
export interface TrackedInformer {
  readonly state: InformerState;
  hasSynced(): boolean;
}

export class ConnectionTracker {
  private everSynced = false;
  private current: ConnectionStatus;

  constructor(
    private readonly clock: Clock,
    /** A function: a client may start informers later (the TUI's on-demand lists). */
    private readonly informers: () => readonly TrackedInformer[],
  ) {
    this.current = { phase: 'connecting', since: clock.now() };
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  /** Every informer has listed at least once (and stays true through later outages). */
  get synced(): boolean {
    return this.everSynced;
  }

  /**
   * Recomputes the phase from the informers and `unreachable`: why the caller's last poll of
   * the server failed, undefined when it answered. True when the status changed.
   */
  update(unreachable: string | undefined): boolean {
    const informers = this.informers();
    if (informers.every((i) => i.hasSynced())) this.everSynced = true;
    const allConnected = informers.every((i) => i.state.connected);
    const lostConnection = informers.some(
      (i) => !i.state.connected && i.state.lastError instanceof ApiConnectionError,
    );
    const previous = this.current.phase;
    let phase: ConnectionPhase;
    let error: string | undefined;
    if (unreachable) {
      phase = this.everSynced || previous !== 'connecting' ? 'disconnected' : 'connecting';
      error = unreachable;
    } else if (!this.everSynced) {
      phase = 'connecting';
    } else if (allConnected) {
      phase = 'connected';
    } else if (previous === 'connected' && lostConnection) {
      phase = 'disconnected';
      error = informers.find((i) => i.state.lastError)?.state.lastError?.message;
    } else {
      phase = 'reconnecting';
    }
    if (phase === previous && error === this.current.error) return false;
    this.current = { phase, since: phase === previous ? this.current.since : this.clock.now(), error };
    return true;
  }
}
