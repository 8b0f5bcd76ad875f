// `kubelab get` output: prints a meta.k8s.io/v1 Table the way kubectl's table printer does
// (upper-cased headers, wide columns only with -o wide, NAMESPACE first with -A, LABELS last
// with --show-labels, "deployment.apps/web" names when several kinds are printed together).
import { kindPrefix, type ResourceInfo } from '../../api/resources.js';
import { formatLabels } from '../../api/table/label-format.js';
import { tableTabwriter, tabwrite } from '../../api/table/tabwriter.js';
import type { Table, TableCell, TableRow } from '../../api/table/types.js';

export interface PrintTableOptions {
  wide?: boolean;
  noHeaders?: boolean;
  /** Adds a NAMESPACE column first, as `-A` does. */
  showNamespace?: boolean;
  showLabels?: boolean;
  /** Prefix names with the lower-cased kind and group (`pod/web-1`, `deployment.apps/web`). */
  showKind?: Pick<ResourceInfo, 'kind' | 'group'>;
}

function cellText(cell: TableCell | undefined): string {
  if (cell === null || cell === undefined) return '<none>';
  // kubectl prints one line per row; a multi-line cell would break the layout.
  return String(cell).replace(/[\r\n\t]+/g, ' ');
}

function rowMetadata(row: TableRow): { namespace?: string; labels?: Record<string, string> } {
  return ((row.object as { metadata?: object } | undefined)?.metadata ?? {}) as {
    namespace?: string;
    labels?: Record<string, string>;
  };
}

/** The table as tab-separated lines, before alignment; `includeHeader` false for watch rows. */
function tableLines(table: Table, opts: PrintTableOptions, includeHeader: boolean): string[] {
  const visible = table.columnDefinitions
    .map((c, index) => ({ c, index }))
    .filter(({ c }) => opts.wide || c.priority === 0);
  const nameIndex = visible.find(({ c }) => c.format === 'name')?.index ?? visible[0]?.index;
  const lines: string[] = [];
  if (includeHeader && !opts.noHeaders) {
    const header = visible.map(({ c }) => c.name.toUpperCase());
    if (opts.showNamespace) header.unshift('NAMESPACE');
    if (opts.showLabels) header.push('LABELS');
    lines.push(header.join('\t'));
  }
  for (const row of table.rows) {
    const meta = rowMetadata(row);
    const cells = visible.map(({ index }) => {
      const text = cellText(row.cells[index]);
      return opts.showKind && index === nameIndex ? `${kindPrefix(opts.showKind)}/${text}` : text;
    });
    if (opts.showNamespace) cells.unshift(meta.namespace ?? '');
    if (opts.showLabels) cells.push(formatLabels(meta.labels));
    lines.push(cells.join('\t'));
  }
  return lines;
}

/** Returns the aligned table ending in a newline, or "" when there are no rows (kubectl prints no header then). */
export function printTable(table: Table, opts: PrintTableOptions = {}): string {
  if (table.rows.length === 0) return '';
  return tabwrite(`${tableLines(table, opts, true).join('\n')}\n`, tableTabwriter);
}

/**
 * `get -w`: the first call prints the header and rows, every later call only rows, and
 * column widths only ever grow, like kubectl's tabwriter with RememberWidths.
 */
export class WatchTablePrinter {
  private readonly widths: number[] = [];
  private headerPrinted = false;

  constructor(private readonly opts: PrintTableOptions = {}) {}

  print(table: Table): string {
    const lines = tableLines(table, this.opts, !this.headerPrinted);
    if (lines.length === 0) return '';
    this.headerPrinted = true;
    return tabwrite(`${lines.join('\n')}\n`, tableTabwriter, this.widths);
  }
}
