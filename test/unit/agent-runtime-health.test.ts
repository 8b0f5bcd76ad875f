// The agent's runtime health check on a FakeClock: a runtime that stops answering (a hung
// daemon: the ping never settles) is down only after `downAfterMs` of silence, listeners hear
// each change once, and the first answer brings it back.
import { describe, expect, it } from 'vitest';
import { RuntimeHealth, runtimeDownMessage } from '../../src/agent/runtime-health.js';
import { FakeClock } from '../../src/client/clock.js';

const flush = () => new Promise((r) => setImmediate(r));

function hungOrAnswering() {
  const runtime = { answering: true, pings: 0 };
  const ping = (signal: AbortSignal) => {
    runtime.pings++;
    if (runtime.answering) return Promise.resolve('OK');
    // A frozen daemon accepts the connection and never replies; only the abort ends the wait.
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  };
  return { runtime, ping };
}

async function advance(clock: FakeClock, ms: number) {
  for (let t = 0; t < ms; t += 500) {
    clock.step(500);
    await flush();
  }
}

describe('RuntimeHealth', () => {
  it('reports the runtime down after downAfterMs without an answer, and back at the first answer', async () => {
    const clock = new FakeClock(0);
    const { runtime, ping } = hungOrAnswering();
    const health = new RuntimeHealth({
      clock,
      ping,
      intervalMs: 2_000,
      timeoutMs: 3_000,
      downAfterMs: 6_000,
    });
    const changes: boolean[] = [];
    health.onChange((healthy) => changes.push(healthy));
    health.start();

    await advance(clock, 4_000);
    expect(runtime.pings).toBe(2);
    expect(health.error()).toBeUndefined();

    runtime.answering = false;
    const frozenAt = clock.now();
    let downAt: number | undefined;
    while (downAt === undefined && clock.now() - frozenAt < 30_000) {
      await advance(clock, 500);
      if (health.error()) downAt = clock.now();
    }
    expect(health.error()).toBe(runtimeDownMessage);
    // Down no sooner than 6 s after the last answer, and within one more ping cycle.
    expect(downAt! - frozenAt).toBeGreaterThanOrEqual(6_000 - 2_000);
    expect(downAt! - frozenAt).toBeLessThanOrEqual(6_000 + 2_000 + 3_000);
    expect(changes).toEqual([false]);

    await advance(clock, 10_000);
    expect(changes).toEqual([false]);

    runtime.answering = true;
    await advance(clock, 6_000);
    expect(health.error()).toBeUndefined();
    expect(changes).toEqual([false, true]);

    health.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stays healthy through a single slow answer shorter than downAfterMs', async () => {
    const clock = new FakeClock(0);
    const { runtime, ping } = hungOrAnswering();
    const health = new RuntimeHealth({
      clock,
      ping,
      intervalMs: 2_000,
      timeoutMs: 3_000,
      downAfterMs: 6_000,
    });
    const changes: boolean[] = [];
    health.onChange((healthy) => changes.push(healthy));
    health.start();
    await advance(clock, 2_000);
    runtime.answering = false;
    await advance(clock, 3_000);
    runtime.answering = true;
    await advance(clock, 10_000);
    expect(changes).toEqual([]);
    expect(health.error()).toBeUndefined();
    health.stop();
  });
});
