// Go's text/tabwriter layout, which both `kubectl get` and `kubectl describe` write through
// (here: the CLI's tables, and describe text wherever it is shown).
// Text is tab-separated cells; a column is aligned over each run of consecutive lines that
// have a cell in it (the text after a line's last tab is not a cell and is never padded),
// so a line without tabs ends every alignment block. Widths count code points like Go's
// utf8.RuneCountInString.

export interface TabwriterOptions {
  minWidth: number;
  padding: number;
}

/** kubectl get: tabwriter.NewWriter(out, 6, 4, 3, ' ', RememberWidths). */
export const tableTabwriter: TabwriterOptions = { minWidth: 6, padding: 3 };
/** kubectl describe: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0). */
export const describeTabwriter: TabwriterOptions = { minWidth: 0, padding: 2 };

const textWidth = (s: string): number => [...s].length;

/**
 * Lays out `text` and returns it. `remembered` (one width per column, updated in place)
 * carries widths across calls the way kubectl's RememberWidths flag does for `get -w`.
 */
export function tabwrite(text: string, opts: TabwriterOptions, remembered?: number[]): string {
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      out.push(
        cells
          .map((c, j) =>
            j < cells.length - 1 && j < widths.length ? c.padEnd(c.length + widths[j]! - textWidth(c)) : c,
          )
          .join(''),
      );
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(start, i);
      start = i;
      let width = opts.minWidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++) {
        width = Math.max(width, textWidth(lines[i]![column]!) + opts.padding);
      }
      if (remembered) {
        width = Math.max(width, remembered[column] ?? 0);
        remembered[column] = width;
      }
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
      i--; // the outer loop's increment must not skip the line that ended the block
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}
