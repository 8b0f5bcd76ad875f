// A resource list's rows: kubectl's own columns for the kind (the server-side printers in
// src/api/table, so `:pods` reads like `kubelab get pods`), narrowed to the namespace, the
// drill-down scope and the `/` filter, in kubectl's order (events newest first). Only the
// rows on screen are printed: a list of 2,000 pods costs a screenful of cells per frame.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/kube-object.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { ResourceInfo } from '../../api/resources.js';
import { since } from '../../api/table/human-duration.js';
import { printerFor } from '../../api/table/to-table.js';
import type { TableCell } from '../../api/table/types.js';
import type { TableColumn, TableRow } from '../components/data-table.js';
import { conditionColor } from '../components/node-card.js';
import { podLook } from '../components/pod-status-colors.js';
import { nodeCondition } from '../data/node-summary.js';
import { type ListScope, refKey } from '../navigation.js';

function cellText(cell: TableCell | undefined, column: { type: string }, now: number): string {
  if (cell === null || cell === undefined) return '<none>';
  if (column.type === 'date' && typeof cell === 'string') return since(cell, now);
  return String(cell);
}

export function inScope(obj: KubeObject, scope: ListScope | undefined): boolean {
  if (!scope) return true;
  if (scope.by === 'node') return (obj as Pod).spec?.nodeName === scope.node;
  if (obj.metadata?.namespace !== scope.namespace) return false;
  return selectorFromLabelSelector(scope.selector).matches(obj.metadata?.labels);
}

function rowColor(resource: ResourceInfo, obj: KubeObject, now: number): TableRow['color'] {
  if (resource.kind === 'Pod') {
    const { color } = podLook(obj as Pod, now);
    return color === 'green' ? undefined : color;
  }
  if (resource.kind === 'Node') {
    const c = nodeCondition(obj as Node);
    return c === 'Ready' ? undefined : conditionColor[c];
  }
  if (resource.kind === 'Event') return (obj as { type?: string }).type === 'Warning' ? 'yellow' : undefined;
  return undefined;
}

/** How rows of one kind are printed: kubectl's always-shown columns, NAMESPACE first across namespaces. */
export class RowPrinter {
  readonly columns: TableColumn[];
  private readonly printer;
  private readonly shown;
  private readonly withNamespace: boolean;

  constructor(
    readonly resource: ResourceInfo,
    namespace: string | undefined,
  ) {
    this.printer = printerFor(resource.kind);
    this.shown = this.printer.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.priority === 0);
    this.withNamespace = resource.namespaced && namespace === undefined;
    this.columns = [
      ...(this.withNamespace ? [{ name: 'Namespace', max: 20 }] : []),
      ...this.shown.map(({ c }) => ({ name: c.name, max: c.name === 'Message' ? 200 : 48 })),
    ];
  }

  row(obj: KubeObject, now: number): TableRow {
    const all = this.printer.cells(obj, now);
    return {
      key: obj.metadata?.uid ?? refKey(obj.metadata?.namespace, obj.metadata?.name),
      cells: [
        ...(this.withNamespace ? [obj.metadata?.namespace ?? ''] : []),
        ...this.shown.map(({ c, i }) => cellText(all[i], c, now)),
      ],
      color: rowColor(this.resource, obj, now),
    };
  }
}

// The objects in a list change only when their kind does; frames drawn because time passed
// reuse the narrowed, sorted list.
const listings = new WeakMap<readonly KubeObject[], Map<string, KubeObject[]>>();

/** kubectl's sort order for names (byte order, not the locale's), and much cheaper on 2,000 names. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The objects a list shows before `/` filtering: namespace and scope applied, kubectl's order. */
export function listedObjects(
  resource: ResourceInfo,
  objects: readonly KubeObject[],
  namespace: string | undefined,
  scope: ListScope | undefined,
): KubeObject[] {
  const key = `${namespace ?? ''}\u0000${JSON.stringify(scope ?? null)}`;
  let byKey = listings.get(objects);
  const hit = byKey?.get(key);
  if (hit) return hit;
  const picked = objects.filter(
    (o) =>
      (!resource.namespaced || namespace === undefined || o.metadata?.namespace === namespace) &&
      inScope(o, scope),
  );
  // Events come newest first from the model; everything else in kubectl's namespace/name order.
  if (resource.kind !== 'Event')
    picked.sort((a, b) =>
      byCodePoint(
        refKey(a.metadata?.namespace, a.metadata?.name),
        refKey(b.metadata?.namespace, b.metadata?.name),
      ),
    );
  if (!byKey) {
    byKey = new Map();
    listings.set(objects, byKey);
  }
  byKey.set(key, picked);
  return picked;
}

/** The objects whose printed row contains `filter` (case-insensitive), as k9s's `/` does. */
export function filterRows(
  printer: RowPrinter,
  objects: readonly KubeObject[],
  filter: string,
  now: number,
): KubeObject[] {
  if (!filter) return [...objects];
  const needle = filter.toLowerCase();
  return objects.filter((o) => printer.row(o, now).cells.join(' ').toLowerCase().includes(needle));
}
