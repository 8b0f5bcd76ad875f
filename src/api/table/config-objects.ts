// Rows for the small core kinds: Namespace, ConfigMap, Secret, ServiceAccount, Event and Lease.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap, Event, Namespace, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ageColumn, column, type KindPrinter, nameColumn } from './columns.js';
import { since } from './human-duration.js';

export const namespacePrinter: KindPrinter = {
  columns: [nameColumn, column('Status', 'The status of the namespace'), ageColumn],
  cells: (ns: Namespace, now) => [
    ns.metadata?.name ?? '',
    ns.status?.phase ?? '',
    since(ns.metadata?.creationTimestamp, now),
  ],
};

export const configMapPrinter: KindPrinter = {
  columns: [nameColumn, column('Data', 'Data contains the configuration data.'), ageColumn],
  cells: (cm: ConfigMap, now) => [
    cm.metadata?.name ?? '',
    Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
    since(cm.metadata?.creationTimestamp, now),
  ],
};

export const secretPrinter: KindPrinter = {
  columns: [
    nameColumn,
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Data contains the secret data.'),
    ageColumn,
  ],
  cells: (s: Secret, now) => [
    s.metadata?.name ?? '',
    s.type ?? '',
    Object.keys(s.data ?? {}).length,
    since(s.metadata?.creationTimestamp, now),
  ],
};

export const serviceAccountPrinter: KindPrinter = {
  columns: [
    nameColumn,
    column(
      'Secrets',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    ),
    ageColumn,
  ],
  cells: (sa: ServiceAccount, now) => [
    sa.metadata?.name ?? '',
    sa.secrets?.length ?? 0,
    since(sa.metadata?.creationTimestamp, now),
  ],
};

export const leasePrinter: KindPrinter = {
  columns: [
    nameColumn,
    column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
    ageColumn,
  ],
  cells: (l: Lease, now) => [
    l.metadata?.name ?? '',
    l.spec?.holderIdentity ?? '',
    since(l.metadata?.creationTimestamp, now),
  ],
};

/** When an event last happened (ms since the epoch; 0 when it says nothing), whichever style of event it is. */
export function eventTime(e: Event): number {
  return (
    Date.parse(
      e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '',
    ) || 0
  );
}

/** "kind/name" of the object an event is about, as the OBJECT column shows it. */
export function eventTarget(e: Event): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

function eventSource(e: Event): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: KindPrinter = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column('Object', 'The object that this event is about.'),
    column(
      'Subobject',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
      { priority: 1 },
    ),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', {
      priority: 1,
    }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column(
      'First Seen',
      'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
      { priority: 1 },
    ),
    column('Count', 'The number of times this event has occurred.', { priority: 1 }),
    { ...nameColumn, priority: 1 },
  ],
  cells(e: Event, now) {
    const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    let count = e.count ?? 0;
    if (e.series) {
      last = since(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // singleton events written through events.k8s.io carry no count
    }
    return [
      last,
      e.type ?? '',
      e.reason ?? '',
      eventTarget(e),
      e.involvedObject?.fieldPath ?? '',
      eventSource(e),
      (e.message ?? '').trim(),
      first,
      count,
      e.metadata?.name ?? '',
    ];
  },
};
