import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/client/clock.js';
import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
} from '../../src/client/workqueue.js';

/** Lets pending promise callbacks (woken get() calls) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('dedups an item added several times while it waits', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands one item to two workers: a re-add while processing waits for done()', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((item) => {
      second = item;
    });
    await flush();
    expect(second).toBeUndefined();
    q.done(first!);
    await flush();
    expect(second).toBe('a');
  });

  it('does not requeue on done() when nothing re-added the item', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add('a');
    q.done((await q.get())!);
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting get() when an item arrives', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    const got = q.get();
    q.add('x');
    expect(await got).toBe('x');
  });

  it('addAfter adds once the delay has passed; the earliest of several delays wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 200);
    clock.step(49);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    clock.step(1000);
    expect(q.len()).toBe(1);
    q.addAfter('b', 0);
    expect(q.len()).toBe(2);
  });

  it('addRateLimited backs off 5, 10, 20 ms per item and forget() resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = clock.now();
      q.addRateLimited('a');
      for (let waited = 0; q.len() === 0 && waited < 100; waited++) clock.step(1);
      delays.push(clock.now() - start);
      // Process it so the next add is not deduplicated.
      q.done((await q.get())!);
    }
    expect(delays).toEqual([5, 10, 20]);
    expect(q.numRequeues('a')).toBe(3);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('shutDown drains queued items, then get() returns undefined and adds are ignored', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    const waiting = q.get();
    q.add('a');
    expect(await waiting).toBe('a');
    q.add('b');
    q.addAfter('c', 10);
    q.shutDown();
    q.add('d');
    clock.step(20);
    expect(q.shuttingDown()).toBe(true);
    expect(await q.get()).toBe('b');
    expect(await q.get()).toBeUndefined();
  });

  it('shutDown wakes every worker blocked in get()', async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    const gets = [q.get(), q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(gets)).toEqual([undefined, undefined, undefined]);
  });
});

describe('rate limiters', () => {
  it('item exponential backoff doubles from the base and stops at the cap', () => {
    const l = new ItemExponentialRateLimiter<string>(5, 100);
    expect(Array.from({ length: 6 }, () => l.when('x'))).toEqual([5, 10, 20, 40, 80, 100]);
    expect(l.when('y')).toBe(5);
  });

  it('the token bucket allows a burst, then paces at qps, refilling with time', () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>(clock, 10, 3);
    expect([l.when('a'), l.when('b'), l.when('c')]).toEqual([0, 0, 0]);
    expect(l.when('d')).toBeCloseTo(100);
    expect(l.when('e')).toBeCloseTo(200);
    clock.step(1000);
    expect(l.when('f')).toBe(0);
  });

  it('max-of takes the longest wait', () => {
    const clock = new FakeClock();
    const l = new MaxOfRateLimiter<string>(
      new ItemExponentialRateLimiter<string>(5, 1000),
      new BucketRateLimiter<string>(clock, 1, 1),
    );
    expect(l.when('a')).toBe(5);
    expect(l.when('a')).toBeCloseTo(1000);
    expect(l.numRequeues('a')).toBe(2);
  });
});
