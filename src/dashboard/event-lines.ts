// The event log: each occurrence of an Event as one line (time, type, object, reason,
// message). An Event object is one line when it appears and another each time it happens
// again: the event recorder folds repeats into the same object, raising its count.
import type { Event } from 'kubernetes-types/core/v1.js';
import { eventTarget, eventTime } from '../api/table/config-objects.js';
import { clockTime } from './usage-history.js';

export interface EventLine {
  /** When it happened (ms), for ordering a batch. */
  at: number;
  /** The Event's resourceVersion: orders occurrences within one second (timestamps have no finer grain). */
  sequence: number;
  time: string;
  type: string;
  warning: boolean;
  object: string;
  reason: string;
  /** On one line, with the repeat count when there is one. */
  message: string;
}

/** Whether an update of an Event is another occurrence (count or time moved), not bookkeeping. */
export function isNewOccurrence(old: Event, updated: Event): boolean {
  return (
    (updated.count ?? 0) !== (old.count ?? 0) ||
    (updated.series?.count ?? 0) !== (old.series?.count ?? 0) ||
    eventTime(updated) !== eventTime(old)
  );
}

export function eventLine(e: Event): EventLine {
  const at = eventTime(e);
  const count = e.series?.count ?? e.count ?? 1;
  return {
    at,
    sequence: Number(e.metadata?.resourceVersion) || 0,
    time: at ? clockTime(at) : '--:--:--',
    type: e.type ?? 'Normal',
    warning: e.type === 'Warning',
    object: eventTarget(e),
    reason: e.reason ?? '',
    message: `${(e.message ?? '').replace(/\s+/g, ' ').trim()}${count > 1 ? ` (x${count})` : ''}`,
  };
}

/** A batch that arrived together, oldest first (an informer's first list comes in no time order). */
export function inTimeOrder(lines: readonly EventLine[]): EventLine[] {
  return [...lines].sort((a, b) => a.at - b.at || a.sequence - b.sequence);
}

/**
 * One line in columns: objects and reasons padded so most messages start together (lines
 * arrive one by one, so the widths are fixed, not measured; a longer value just pushes on).
 */
export function eventLineText(line: EventLine, objectWidth = 28, reasonWidth = 17): string {
  return `${line.time} ${line.type.padEnd(7)} ${line.object.padEnd(objectWidth)} ${line.reason.padEnd(reasonWidth)} ${line.message}`;
}
