// The dashboard's event log: an Event as a line, repeats as new lines, a batch in time order.
import type { Event } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { eventLine, eventLineText, inTimeOrder, isNewOccurrence } from '../../src/dashboard/event-lines.js';
import { clockTime } from '../../src/dashboard/usage-history.js';
import { event, fixtureNow } from '../helpers/tui-fixtures.js';

const backOff = (): Event => ({
  ...event(
    'BackOff',
    { kind: 'Pod', name: 'web-1' },
    'Back-off restarting\n  failed container',
    5000,
    'Warning',
  ),
  count: 3,
  metadata: { name: 'web-1.backoff', namespace: 'default', resourceVersion: '42' },
});

describe('eventLine', () => {
  it('has the time, type, object, reason and the message on one line with its count', () => {
    expect(eventLine(backOff())).toEqual({
      at: fixtureNow - 5000,
      sequence: 42,
      time: clockTime(fixtureNow - 5000),
      type: 'Warning',
      warning: true,
      object: 'pod/web-1',
      reason: 'BackOff',
      message: 'Back-off restarting failed container (x3)',
    });
  });

  it('prints in columns', () => {
    const line = { ...eventLine(backOff()), time: '12:00:00' };
    expect(eventLineText(line)).toBe(
      `12:00:00 Warning ${'pod/web-1'.padEnd(28)} ${'BackOff'.padEnd(17)} Back-off restarting failed container (x3)`,
    );
  });
});

describe('isNewOccurrence', () => {
  it('is true when the count or the time moved, false for other updates', () => {
    const old = backOff();
    expect(isNewOccurrence(old, { ...old, count: 4 })).toBe(true);
    expect(isNewOccurrence(old, { ...old, lastTimestamp: '2026-01-01T12:00:01Z' })).toBe(true);
    expect(isNewOccurrence(old, { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } })).toBe(false);
  });
});

describe('inTimeOrder', () => {
  it('orders a batch by time, then by resourceVersion within one second', () => {
    const at = (reason: string, agoMs: number, rv: string) =>
      eventLine({
        ...event(reason, { kind: 'Pod', name: 'p' }, '', agoMs),
        metadata: { resourceVersion: rv },
      });
    const lines = [
      at('Started', 1000, '9'),
      at('Scheduled', 1000, '7'),
      at('Created', 3000, '20'),
      at('Pulled', 1000, '8'),
    ];
    expect(inTimeOrder(lines).map((l) => l.reason)).toEqual(['Created', 'Scheduled', 'Pulled', 'Started']);
  });
});
