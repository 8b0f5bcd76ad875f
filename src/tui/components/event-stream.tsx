// The newest events, one line each (age, reason, object, message), Warnings in yellow: the
// cluster narrating what its controllers, scheduler and agents just did.
import { Text } from 'ink';
import type { Event } from 'kubernetes-types/core/v1.js';
import { eventTarget, eventTime } from '../../api/table/config-objects.js';
import { humanDuration } from '../../api/table/human-duration.js';
import { dim, paint } from './paint.js';
import { TitledPanel } from './panel.js';

export function eventLine(e: Event, reasonWidth: number, now: number): string {
  const warning = e.type === 'Warning';
  const reason = (e.reason ?? '').slice(0, reasonWidth).padEnd(reasonWidth);
  const message = `${(e.message ?? '').replace(/\s+/g, ' ')}${(e.count ?? 0) > 1 ? ` (x${e.count})` : ''}`;
  return `${dim(humanDuration(now - eventTime(e)).padStart(4))} ${paint(warning ? 'yellow' : undefined, reason)} ${paint('cyan', eventTarget(e))} ${paint(warning ? 'yellow' : undefined, message)}`;
}

export function EventStream({
  events,
  width,
  height,
  now,
}: {
  events: readonly Event[];
  width: number;
  height: number;
  now: number;
}) {
  const shown = events.slice(0, Math.max(0, height - 2));
  const reasonWidth = Math.min(20, Math.max(0, ...shown.map((e) => (e.reason ?? '').length)));
  return (
    <TitledPanel
      title={[
        { text: 'Events', bold: true },
        { text: ' newest first', color: 'gray' },
      ]}
      width={width}
      height={height}
    >
      {shown.length === 0 ? <Text dimColor>no events yet</Text> : null}
      {shown.map((e) => (
        // Messages are anyone's text: Ink measures and cuts these lines itself.
        <Text key={e.metadata?.uid ?? `${e.metadata?.namespace}/${e.metadata?.name}`} wrap="truncate-end">
          {eventLine(e, reasonWidth, now)}
        </Text>
      ))}
    </TitledPanel>
  );
}
