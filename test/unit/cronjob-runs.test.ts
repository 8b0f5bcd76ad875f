// The CronJob controller's decisions without a server: which run is due and what to do about
// it under each concurrency policy and starting deadline, the Job it makes, history limits and
// the status, on a FakeClock.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { describe, expect, it } from 'vitest';
import { parseCronSchedule } from '../../src/api/cron-schedule.js';
import { FakeClock } from '../../src/client/clock.js';
import {
  cronJobStatusUpdate,
  decideSchedule,
  historyToDelete,
  jobForSchedule,
  jobNameFor,
  lastSuccessfulTime,
  scheduledTimestampAnnotation,
} from '../../src/controllers/cronjob-runs.js';

const created = Date.parse('2025-01-01T00:00:30Z');
const everyMinute = parseCronSchedule('* * * * *');

const cronJob = (
  spec: Partial<NonNullable<CronJob['spec']>> = {},
  status: CronJob['status'] = {},
): CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', creationTimestamp: '2025-01-01T00:00:30Z' },
  spec: {
    schedule: '* * * * *',
    jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { containers: [] } } } },
    ...spec,
  },
  status,
});

const job = (name: string, o: { started?: string; completed?: string; uid?: string } = {}): Job => ({
  metadata: { name, uid: o.uid ?? name, creationTimestamp: o.started },
  status: {
    ...(o.started ? { startTime: o.started } : {}),
    ...(o.completed ? { completionTime: o.completed } : {}),
  },
});

describe('cronjob schedule decision', () => {
  it('waits for the first scheduled time, then starts it and looks again after the next', () => {
    const clock = new FakeClock(created);
    expect(decideSchedule(cronJob(), everyMinute, [], 0, clock.now())).toEqual({
      missed: 0,
      requeueAfterMs: 30_100,
    });
    clock.step(30_000);
    const due = Date.parse('2025-01-01T00:01:00Z');
    expect(decideSchedule(cronJob(), everyMinute, [], 0, clock.now())).toEqual({
      run: { type: 'start', name: jobNameFor('tick', due), scheduledMs: due, replaceRunning: false },
      missed: 1,
      requeueAfterMs: 60_100,
    });
  });

  it('does not start a time whose Job exists', () => {
    const now = Date.parse('2025-01-01T00:01:10Z');
    const made = job(jobNameFor('tick', Date.parse('2025-01-01T00:01:00Z')));
    expect(decideSchedule(cronJob(), everyMinute, [made], 1, now).run).toBeUndefined();
  });

  it('under Forbid waits for the running Job without a timed look; under Replace replaces it', () => {
    const now = Date.parse('2025-01-01T00:01:10Z');
    expect(decideSchedule(cronJob({ concurrencyPolicy: 'Forbid' }), everyMinute, [], 1, now)).toEqual({
      missed: 1,
    });
    const replace = decideSchedule(cronJob({ concurrencyPolicy: 'Replace' }), everyMinute, [], 1, now);
    expect(replace.run?.type === 'start' && replace.run.replaceRunning).toBe(true);
  });

  it('starts only the latest missed time, and none older than startingDeadlineSeconds', () => {
    const now = Date.parse('2025-01-01T00:05:10Z');
    const late = decideSchedule(cronJob(), everyMinute, [], 0, now);
    expect(late.missed).toBe(5);
    expect(late.run?.scheduledMs).toBe(Date.parse('2025-01-01T00:05:00Z'));
    // A deadline of 5 s: the 00:05:00 start is 10 s late, so it is missed.
    const strict = cronJob({ startingDeadlineSeconds: 5 }, { lastScheduleTime: '2025-01-01T00:04:00Z' });
    expect(decideSchedule(strict, everyMinute, [], 0, now).run).toBeUndefined();
    const lenient = cronJob({ startingDeadlineSeconds: 20 }, { lastScheduleTime: '2025-01-01T00:04:00Z' });
    expect(decideSchedule(lenient, everyMinute, [], 0, now).run?.type).toBe('start');
  });
});

describe('cronjob jobs, history and status', () => {
  it('makes the Job from the template, owned by the CronJob, with the scheduled time', () => {
    const at = Date.parse('2025-01-01T00:01:00Z');
    const j = jobForSchedule(cronJob({ timeZone: 'Asia/Seoul' }), 'tick-1', at);
    expect(j.metadata?.labels).toEqual({ app: 'tick' });
    expect(j.metadata?.annotations?.[scheduledTimestampAnnotation]).toBe('2025-01-01T09:01:00+09:00');
    expect(j.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      uid: 'cj-uid',
      controller: true,
    });
  });

  it('deletes the oldest finished Jobs beyond the history limit', () => {
    const finished = [
      job('b', { started: '2025-01-01T00:02:00Z' }),
      job('a', { started: '2025-01-01T00:01:00Z' }),
      job('c', { started: '2025-01-01T00:03:00Z' }),
    ];
    expect(historyToDelete(finished, 1).map((j) => j.metadata?.name)).toEqual(['a', 'b']);
    expect(historyToDelete(finished, 3)).toEqual([]);
    expect(historyToDelete(finished, undefined)).toEqual([]);
  });

  it('remembers the newest success', () => {
    const cj = cronJob({}, { lastSuccessfulTime: '2025-01-01T00:02:00Z' });
    expect(lastSuccessfulTime(cj, [job('a', { completed: '2025-01-01T00:01:30Z' })])).toBe(
      '2025-01-01T00:02:00Z',
    );
    expect(lastSuccessfulTime(cj, [job('b', { completed: '2025-01-01T00:03:30Z' })])).toBe(
      '2025-01-01T00:03:30Z',
    );
  });

  it('writes the status only when the active Jobs or the times changed', () => {
    const running = job('tick-1', { uid: 'u1' });
    const cj = cronJob(
      {},
      { active: [{ uid: 'u1', name: 'tick-1' }], lastScheduleTime: '2025-01-01T00:01:00Z' },
    );
    expect(cronJobStatusUpdate(cj, [running], '2025-01-01T00:01:00Z', undefined)).toBeUndefined();
    expect(cronJobStatusUpdate(cj, [], '2025-01-01T00:01:00Z', undefined)).toEqual({
      lastScheduleTime: '2025-01-01T00:01:00Z',
    });
  });
});
