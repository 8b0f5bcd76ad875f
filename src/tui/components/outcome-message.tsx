// The outcome line(s) above the footer: what the last action did, or why it did not.
import { Text } from 'ink';
import type { Message } from '../input/input-state.js';

/**
 * One line for most, several for an apply that failed (one per refused field at its
 * file:line), cut to `max` lines so the screen above keeps its room.
 */
export function messageLines(message: Message | undefined, max: number): string[] {
  if (!message) return [' '];
  const mark = message.tone === 'error' ? '✗' : message.tone === 'success' ? '✓' : '·';
  const lines = `${mark} ${message.text}`.split('\n');
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max - 1), `… ${lines.length - max + 1} more line(s)`];
}

export function OutcomeMessage({
  message,
  lines,
}: {
  message: Message | undefined;
  lines: readonly string[];
}) {
  const color = message?.tone === 'error' ? 'red' : message?.tone === 'success' ? 'green' : 'gray';
  return lines.map((line, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one message, in order
    <Text key={i} wrap="truncate-end" color={color}>
      {line}
    </Text>
  ));
}
