import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';

describe('FakeClock', () => {
  it('fires due timers in time order, ties in the order they were set', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push('late'), 31);
    clock.step(30);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1030);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('fires timers set by a firing timer when they are due within the same step', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.step(10);
    expect(fired).toEqual([5, 10]);
  });

  it('does not fire cleared timers', () => {
    const clock = new FakeClock();
    let fired = false;
    const h = clock.setTimeout(() => {
      fired = true;
    }, 1);
    clock.clearTimeout(h);
    clock.step(5);
    expect(fired).toBe(false);
  });

  it('sleep resolves when time is stepped past it, and rejects when aborted', async () => {
    const clock = new FakeClock();
    let woke = false;
    const slept = clock.sleep(100).then(() => {
      woke = true;
    });
    clock.step(99);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.step(1);
    await slept;
    expect(woke).toBe(true);

    const ac = new AbortController();
    const aborted = clock.sleep(100, ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('setTime jumps forward firing timers and refuses to go back', () => {
    const clock = new FakeClock(50);
    let fired = 0;
    clock.setTimeout(() => fired++, 10);
    clock.setTime(100);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(100);
    expect(() => clock.setTime(99)).toThrow(/backwards/);
  });
});
