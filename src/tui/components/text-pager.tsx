// Long text (describe, YAML, the scheduler's explanation, logs) shown a screenful at a time,
// optionally wrapped, with the matches of a search highlighted.
import { Box, Text } from 'ink';

/** Lines as drawn: cut at `width`, or folded onto several lines when wrapping. */
export function displayLines(lines: readonly string[], width: number, wrap: boolean): string[] {
  if (!wrap) return lines.map((l) => l.replace(/\t/g, '  '));
  const out: string[] = [];
  for (const raw of lines) {
    const l = raw.replace(/\t/g, '  ');
    if (l.length <= width) out.push(l);
    else for (let i = 0; i < l.length; i += width) out.push(l.slice(i, i + width));
  }
  return out;
}

/** Indexes of lines containing `search` (case-insensitive). */
export function matchingLines(lines: readonly string[], search: string): number[] {
  if (!search) return [];
  const needle = search.toLowerCase();
  const found: number[] = [];
  lines.forEach((l, i) => {
    if (l.toLowerCase().includes(needle)) found.push(i);
  });
  return found;
}

/** " · /SEARCH: N match(es)" after a pager's title, or nothing without a search. */
export function matchesNote(lines: readonly string[], search: string): string {
  return search ? ` · /${search}: ${matchingLines(lines, search).length} match(es)` : '';
}

function Highlighted({ text, search }: { text: string; search: string }) {
  if (!search) return <Text wrap="truncate-end">{text || ' '}</Text>;
  const lower = text.toLowerCase();
  const needle = search.toLowerCase();
  const parts: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    if (i > at) parts.push({ text: text.slice(at, i), hit: false });
    parts.push({ text: text.slice(i, i + needle.length), hit: true });
    at = i + needle.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), hit: false });
  return (
    <Text wrap="truncate-end">
      {parts.map((p, i) => (
        // Parts are positional slices of one line.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={i} inverse={p.hit} color={p.hit ? 'yellow' : undefined}>
          {p.text}
        </Text>
      ))}
      {parts.length === 0 ? ' ' : ''}
    </Text>
  );
}

export function TextPager({
  lines,
  start,
  height,
  search,
}: {
  lines: readonly string[];
  start: number;
  height: number;
  search: string;
}) {
  const visible = lines.slice(start, start + height);
  return (
    <Box flexDirection="column">
      {visible.map((l, i) => (
        // Lines are identified by their position in the document.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Highlighted key={start + i} text={l} search={search} />
      ))}
    </Box>
  );
}
