// The connection state long-running clients show: connecting until every informer has listed,
// disconnected while the caller's poll gets no answer (or a watch loses the server), then
// reconnecting until the caches resync, then connected.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';
import { ConnectionTracker } from '../../src/client/connection-tracker.js';
import type { InformerState } from '../../src/client/informer.js';
import { ApiConnectionError } from '../../src/client/rest-client.js';

class StubInformer {
  state: InformerState = { connected: false, synced: false, resourceVersion: '' };
  hasSynced(): boolean {
    return this.state.synced;
  }
}

describe('ConnectionTracker', () => {
  it('goes connecting -> connected -> disconnected -> reconnecting -> connected, with when and why', () => {
    const clock = new FakeClock(1_000);
    const informers = [new StubInformer(), new StubInformer()];
    const tracker = new ConnectionTracker(clock, () => informers);
    expect(tracker.status).toEqual({ phase: 'connecting', since: 1_000 });
    expect(tracker.update(undefined)).toBe(false);

    informers[0]!.state = { connected: true, synced: true, resourceVersion: '5' };
    tracker.update(undefined);
    expect(tracker.status.phase).toBe('connecting');
    informers[1]!.state = { connected: true, synced: true, resourceVersion: '5' };
    clock.step(500);
    expect(tracker.update(undefined)).toBe(true);
    expect(tracker.status).toEqual({ phase: 'connected', since: 1_500, error: undefined });
    expect(tracker.synced).toBe(true);

    clock.step(1_000);
    expect(tracker.update('connect ECONNREFUSED 127.0.0.1:6443')).toBe(true);
    expect(tracker.status).toEqual({
      phase: 'disconnected',
      since: 2_500,
      error: 'connect ECONNREFUSED 127.0.0.1:6443',
    });

    // The server answers again, but a watch is still being re-established.
    informers[0]!.state = { ...informers[0]!.state, connected: false };
    clock.step(1_000);
    tracker.update(undefined);
    expect(tracker.status).toEqual({ phase: 'reconnecting', since: 3_500, error: undefined });

    informers[0]!.state = { ...informers[0]!.state, connected: true };
    tracker.update(undefined);
    expect(tracker.status.phase).toBe('connected');
    expect(tracker.synced).toBe(true);
  });

  it('reads a watch that lost the server as disconnected, once it has been connected', () => {
    const clock = new FakeClock();
    const informer = new StubInformer();
    const tracker = new ConnectionTracker(clock, () => [informer]);
    informer.state = { connected: true, synced: true, resourceVersion: '1' };
    tracker.update(undefined);
    const lost = new ApiConnectionError('https://127.0.0.1:6443', new Error('socket hang up'));
    informer.state = { ...informer.state, connected: false, lastError: lost };
    tracker.update(undefined);
    expect(tracker.status.phase).toBe('disconnected');
    expect(tracker.status.error).toBe(lost.message);
  });

  it('stays connecting when the first poll fails before anything was listed', () => {
    const tracker = new ConnectionTracker(new FakeClock(), () => [new StubInformer()]);
    tracker.update('timed out');
    expect(tracker.status).toMatchObject({ phase: 'connecting', error: 'timed out' });
  });
});
