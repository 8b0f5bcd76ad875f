import { describe, expect, it } from 'vitest';
import { goDuration, shouldRestart } from '../../src/agent/lifecycle/restart.js';
import { RestartBackOff } from '../../src/agent/restart-backoff.js';
import { FakeClock } from '../../src/client/clock.js';

describe('RestartBackOff (kubelet crash-loop back-off)', () => {
  it('restarts the first exit at once, then waits 10 s, 20 s, 40 s ... capped at 5 min', () => {
    const clock = new FakeClock(1_000_000);
    const b = new RestartBackOff(clock);
    const key = 'uid/c';
    const delays: number[] = [];
    for (let exit = 0; exit < 8; exit++) {
      const finishedAt = clock.now();
      let waited = 0;
      while (b.isInBackOffSince(key, finishedAt)) {
        clock.step(1_000);
        waited += 1_000;
      }
      delays.push(waited);
      b.next(key, finishedAt);
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(b.get(key)).toBe(300_000);
  });

  it('starts over after a container ran longer than twice the maximum', () => {
    const clock = new FakeClock(0);
    const b = new RestartBackOff(clock);
    b.next('k', 0);
    b.next('k', 0);
    expect(b.get('k')).toBe(20_000);
    clock.step(600_001);
    expect(b.isInBackOffSince('k', clock.now())).toBe(false);
    b.next('k', clock.now());
    expect(b.get('k')).toBe(10_000);
  });

  it('reports the remaining wait from the finish time', () => {
    const clock = new FakeClock(0);
    const b = new RestartBackOff(clock, 1_000, 8_000);
    b.next('k', 0);
    clock.step(300);
    expect(b.remaining('k', 0)).toBe(700);
  });
});

describe('goDuration', () => {
  it('prints whole seconds as Go does', () => {
    expect([10_000, 20_000, 80_000, 160_000, 300_000, 3_723_000].map(goDuration)).toEqual([
      '10s',
      '20s',
      '1m20s',
      '2m40s',
      '5m0s',
      '1h2m3s',
    ]);
  });
});

describe('shouldRestart', () => {
  it('follows restartPolicy; init containers retry only failures unless Never', () => {
    expect(shouldRestart('Always', 0, false)).toBe(true);
    expect(shouldRestart('OnFailure', 0, false)).toBe(false);
    expect(shouldRestart('OnFailure', 1, false)).toBe(true);
    expect(shouldRestart('Never', 1, false)).toBe(false);
    expect(shouldRestart('Always', 0, true)).toBe(false);
    expect(shouldRestart('Always', 1, true)).toBe(true);
    expect(shouldRestart('Never', 1, true)).toBe(false);
  });
});
