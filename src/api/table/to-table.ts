// Server-side printing, as kube-apiserver does it: a request with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` gets a meta.k8s.io/v1 Table whose
// columns real kubectl prints verbatim, and `kubelab get` prints the same Table. Each kind
// group has its own file (pod.ts, node.ts, network.ts, config-objects.ts, workloads.ts);
// this file picks the printer for a resource and builds the Table around its rows.
import type { ResourceInfo } from '../resources.js';
import { ageColumn, type KindPrinter, nameColumn } from './columns.js';
import {
  configMapPrinter,
  eventPrinter,
  leasePrinter,
  namespacePrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './config-objects.js';
import { endpointsPrinter, ingressPrinter, servicePrinter } from './network.js';
import { nodePrinter } from './node.js';
import { podPrinter } from './pod.js';
import { bindingPrinter } from './rbac.js';
import type { IncludeObject, PartialObjectMetadata, Table, TableRow } from './types.js';
import {
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  hpaPrinter,
  jobPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './workloads.js';

const printersByKind: Record<string, KindPrinter> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  Event: eventPrinter,
  Lease: leasePrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  Ingress: ingressPrinter,
  HorizontalPodAutoscaler: hpaPrinter,
  RoleBinding: bindingPrinter,
  ClusterRoleBinding: bindingPrinter,
};

// The apiserver's default table convertor, used for kinds without a dedicated printer.
const defaultPrinter: KindPrinter = {
  columns: [nameColumn, { ...ageColumn, name: 'Created At', type: 'date' }],
  cells: (obj, _now) => [obj?.metadata?.name ?? '', obj?.metadata?.creationTimestamp ?? null],
};

export function printerFor(kind: string): KindPrinter {
  return printersByKind[kind] ?? defaultPrinter;
}

function rowObject(obj: any, include: IncludeObject): unknown {
  if (include === 'Object') return obj;
  const partial: PartialObjectMetadata = {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: obj?.metadata ?? {},
  };
  return partial;
}

export interface ToTableOptions {
  /** Milliseconds since the epoch: the moment AGE columns are measured from. */
  now: number;
  includeObject?: IncludeObject;
  resourceVersion?: string;
}

export function toTable(
  resource: Pick<ResourceInfo, 'kind'>,
  objects: readonly any[],
  opts: ToTableOptions,
): Table {
  const printer = printerFor(resource.kind);
  const include = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, opts.now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (include !== 'None') row.object = rowObject(obj, include);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: printer.columns,
    rows,
  };
}
