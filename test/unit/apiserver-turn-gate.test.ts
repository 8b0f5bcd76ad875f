// The turn gate: how many waiting requests start per event-loop turn, and that they start in
// arrival order a few turns apart rather than all in one.
import { describe, expect, it } from 'vitest';
import { nextShare, TurnGate } from '../../src/apiserver/chain/turn-gate.js';

describe('turn share', () => {
  it('grows by one while turns stay within budget and halves once one overruns it', () => {
    expect(nextShare(1, 5, 20, 64)).toBe(2);
    expect(nextShare(64, 5, 20, 64)).toBe(64);
    expect(nextShare(9, 35, 20, 64)).toBe(4);
    expect(nextShare(1, 500, 20, 64)).toBe(1);
  });
});

describe('turn gate', () => {
  it('starts waiting requests in order, a growing share per turn while turns are short', async () => {
    const gate = new TurnGate(1000);
    const started: [request: number, turn: number][] = [];
    let turn = 0;
    let counting = true;
    const countTurns = () => {
      turn++;
      if (counting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    await Promise.all(Array.from({ length: 6 }, (_, i) => gate.turn().then(() => started.push([i, turn]))));
    counting = false;
    expect(started.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    // Shares of 1, 2 and 3: three distinct turns.
    const turns = started.map(([, t]) => t);
    expect(new Set(turns).size).toBe(3);
    expect(turns[1]).toBe(turns[2]);
    expect(turns[3]).toBe(turns[5]);
  });
});
