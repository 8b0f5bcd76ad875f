// meta.k8s.io/v1 Table: what the API server returns for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Real kubectl prints these columns
// as-is, so the shapes follow k8s.io/apimachinery/pkg/apis/meta/v1 exactly.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** How much of each object a Table row carries (`?includeObject=`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';
