// Cron parsing (robfig/cron's messages) and next-activation arithmetic, in UTC and a time zone,
// plus the CronJob controller's missed-schedule and naming rules.
import { describe, expect, it } from 'vitest';
import { cronScheduleError, nextCronTime, parseCronSchedule } from '../../src/api/cron-schedule.js';
import {
  formatScheduledTime,
  jobNameFor,
  mostRecentScheduleTime,
} from '../../src/controllers/cronjob-runs.js';

const at = (iso: string) => Date.parse(iso);
const next = (spec: string, after: string, tz?: string) => {
  const t = nextCronTime(parseCronSchedule(spec), at(after), tz);
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('cron schedules', () => {
  it('reports robfig/cron errors', () => {
    expect(cronScheduleError('* * * *')).toBe('expected exactly 5 fields, found 4: [* * * *]');
    expect(cronScheduleError('61 * * * *')).toBe('end of range (61) above maximum (59): 61');
    expect(cronScheduleError('@fortnightly')).toBe('unrecognized descriptor: @fortnightly');
    expect(cronScheduleError('*/5 * * * mon-fri')).toBeUndefined();
  });

  it('finds the next activation strictly after a time', () => {
    expect(next('*/15 * * * *', '2024-03-01T10:07:30Z')).toBe('2024-03-01T10:15:00.000Z');
    expect(next('*/15 * * * *', '2024-03-01T10:15:00Z')).toBe('2024-03-01T10:30:00.000Z');
    expect(next('@hourly', '2024-03-01T23:59:00Z')).toBe('2024-03-02T00:00:00.000Z');
    expect(next('0 0 1 1 *', '2024-03-01T00:00:00Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(next('30 9 * * mon', '2024-03-01T00:00:00Z')).toBe('2024-03-04T09:30:00.000Z'); // a Friday -> Monday
    expect(next('0 0 29 2 *', '2024-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('ORs day-of-month and day-of-week when both are restricted, ANDs when one is *', () => {
    // 2024-03-01 is a Friday: "the 15th or any Monday" fires on Monday the 4th.
    expect(next('0 0 15 * 1', '2024-03-01T00:00:00Z')).toBe('2024-03-04T00:00:00.000Z');
    expect(next('0 0 15 * *', '2024-03-01T00:00:00Z')).toBe('2024-03-15T00:00:00.000Z');
  });

  it('computes in a time zone', () => {
    // 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST).
    expect(next('0 9 * * *', '2024-01-10T12:00:00Z', 'Europe/Berlin')).toBe('2024-01-11T08:00:00.000Z');
    expect(next('0 9 * * *', '2024-07-10T12:00:00Z', 'Europe/Berlin')).toBe('2024-07-11T07:00:00.000Z');
    expect(formatScheduledTime(at('2024-07-11T07:00:00Z'), 'Europe/Berlin')).toBe(
      '2024-07-11T09:00:00+02:00',
    );
    expect(formatScheduledTime(at('2024-07-11T07:00:00Z'))).toBe('2024-07-11T07:00:00Z');
  });

  it('finds the most recent missed time and counts the misses', () => {
    const s = parseCronSchedule('*/10 * * * *');
    expect(mostRecentScheduleTime(s, at('2024-03-01T10:00:00Z'), at('2024-03-01T10:35:00Z'))).toEqual({
      scheduledMs: at('2024-03-01T10:30:00Z'),
      missed: 3,
    });
    expect(mostRecentScheduleTime(s, at('2024-03-01T10:00:00Z'), at('2024-03-01T10:05:00Z'))).toEqual({
      missed: 0,
    });
  });

  it('names a Job after its scheduled minute', () => {
    expect(jobNameFor('backup', at('2024-03-01T10:30:00Z'))).toBe(
      `backup-${at('2024-03-01T10:30:00Z') / 60_000}`,
    );
  });
});
