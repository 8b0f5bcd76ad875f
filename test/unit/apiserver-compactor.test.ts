// The compaction schedule on a FakeClock and an in-memory store: which revision each tick
// compacts to, and that stopping ends the ticks.
import { describe, expect, it } from 'vitest';
import { compactionTarget, startCompactor } from '../../src/apiserver/compactor.js';
import { FakeClock } from '../../src/client/clock.js';
import { SqliteStore } from '../../src/store/sqlite.js';

describe('compaction target', () => {
  it('is the revision of the previous tick, when that moves the compacted revision forward', () => {
    expect(compactionTarget(undefined, 0)).toBeUndefined();
    expect(compactionTarget(0, 0)).toBeUndefined();
    expect(compactionTarget(7, 7)).toBeUndefined();
    expect(compactionTarget(12, 7)).toBe(12);
  });
});

describe('compactor', () => {
  it('keeps between one and two intervals of history, and stops when told', async () => {
    const store = SqliteStore.open(':memory:');
    const clock = new FakeClock();
    const compactor = startCompactor(store, clock, 1000, (m) => {
      throw new Error(m);
    });
    await store.create('/k/a', '1'); // 1, before the first tick
    clock.step(1000); // first tick: compacts to the revision at start (0): nothing
    await store.update('/k/a', '2'); // 2
    expect(store.compactedRevision()).toBe(0);
    clock.step(1000); // compacts to 1, the revision at the first tick
    await Promise.resolve();
    expect(store.compactedRevision()).toBe(1);
    clock.step(1000); // compacts to 2
    await Promise.resolve();
    expect(store.compactedRevision()).toBe(2);
    compactor.stop();
    expect(clock.pendingTimers()).toBe(0);
    await store.close();
  });
});
