// What every kind's table printer provides, plus the column definitions most kinds share.
// Column names, types and priorities follow kube-apiserver's printers
// (pkg/printers/internalversion/printers.go); kubectl upper-cases the names itself.
import type { TableCell, TableColumnDefinition, TableRowCondition } from './types.js';

export interface KindPrinter {
  columns: TableColumnDefinition[];
  /** One row's cells, wide (priority 1) cells included: the server always sends them all. */
  cells(obj: any, now: number): TableCell[];
  conditions?(obj: any): TableRowCondition[] | undefined;
}

export function column(
  name: string,
  description: string,
  opts: { type?: TableColumnDefinition['type']; priority?: number; format?: string } = {},
): TableColumnDefinition {
  return {
    name,
    type: opts.type ?? 'string',
    format: opts.format ?? '',
    description,
    priority: opts.priority ?? 0,
  };
}

export const nameColumn = column(
  'Name',
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  { format: 'name' },
);

export const ageColumn = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
);

export const containersColumn = column('Containers', 'Names of each container in the template.', {
  priority: 1,
});
export const imagesColumn = column('Images', 'Images referenced by each container in the template.', {
  priority: 1,
});
export const selectorColumn = (description: string) => column('Selector', description, { priority: 1 });

/** layoutContainerCells: container names and images, comma-joined, for the wide columns. */
export function containerCells(
  containers: readonly { name: string; image?: string }[] | undefined,
): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}
