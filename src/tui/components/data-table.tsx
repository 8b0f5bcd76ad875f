// A table windowed to the rows that fit: a header, the visible slice, the selected row in
// inverse. Column widths come from the visible cells (capped), the last column takes what is
// left, and every line is cut at the terminal's width, so nothing wraps or scrolls the screen.
import { Box, Text } from 'ink';
import type { Color } from './paint.js';

export interface TableColumn {
  name: string;
  /** Upper bound for this column's width. */
  max?: number;
}

export interface TableRow {
  key: string;
  cells: string[];
  color?: Color;
}

export interface DataTableProps {
  columns: readonly TableColumn[];
  /** The rows on screen (the caller windows the list with windowStart). */
  rows: readonly TableRow[];
  /** Index of the selected row among `rows`. */
  selected: number;
  width: number;
  /** Lines for the header and rows together. */
  height: number;
}

export function columnWidths(
  columns: readonly TableColumn[],
  rows: readonly TableRow[],
  width: number,
): number[] {
  const widths = columns.map((c, i) =>
    Math.min(c.max ?? 40, Math.max(c.name.length, ...rows.map((r) => (r.cells[i] ?? '').length))),
  );
  const fixed = widths.slice(0, -1).reduce((s, w) => s + w + 2, 0);
  if (widths.length > 0) widths[widths.length - 1] = Math.max(widths.at(-1)!, width - fixed);
  return widths;
}

function line(cells: readonly string[], widths: readonly number[], width: number): string {
  return cells
    .map((c, i) => (i === widths.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i]! + 2)))
    .join('')
    .slice(0, width)
    .padEnd(width);
}

export function DataTable({ columns, rows, selected, width, height }: DataTableProps) {
  const visible = rows.slice(0, Math.max(0, height - 1));
  const widths = columnWidths(columns, visible, width);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {line(
          columns.map((c) => c.name.toUpperCase()),
          widths,
          width,
        )}
      </Text>
      {visible.map((r, i) => (
        <Text key={r.key} inverse={i === selected} color={r.color} wrap="truncate-end">
          {line(r.cells, widths, width)}
        </Text>
      ))}
    </Box>
  );
}
