// Server-managed metadata: what the API server, not the client, decides about an object —
// uid, creationTimestamp, generation (bumped only when the spec changes), and the fields a
// client may not change on update. resourceVersion is never stored inside the value: it is
// the store's modification revision, filled in on every read.
import { randomUUID } from 'node:crypto';
import { rfc3339 } from '../api/time.js';

export type ApiObject = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { uid: string; [k: string]: unknown }[];
  managedFields?: unknown;
  [field: string]: unknown;
}

const nameSuffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** The 5 random characters kube-apiserver appends to generateName. */
export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++)
    suffix += nameSuffixAlphabet[Math.floor(Math.random() * nameSuffixAlphabet.length)];
  return `${prefix.slice(0, 63 - 5)}${suffix}`;
}

/** Everything except metadata and status: a change here is a spec change that bumps generation. */
function specPart(obj: ApiObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

export function prepareForCreate(obj: ApiObject, now: number): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(now);
  delete m.resourceVersion;
  // Never populated since Kubernetes 1.24; kube drops what a client sends before storing.
  delete m.selfLink;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.managedFields;
  // Kinds without a spec have no generation; a strategy may still set one (pods do).
  if ('spec' in obj) m.generation = 1;
  else delete m.generation;
}

/**
 * kube's rest.BeforeUpdate: fills in what the client left out (uid, deletion fields) and
 * ignores what it may not set (creationTimestamp, generation: bumped on spec change). What a
 * client does send for uid or the deletion fields is kept, so that validateObjectMetaUpdate
 * refuses a change as `field is immutable` rather than the update quietly undoing it.
 */
export function prepareForUpdate(obj: ApiObject, old: ApiObject): void {
  const m = obj.metadata;
  const o = old.metadata;
  if (!m.uid) m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  if (o.deletionGracePeriodSeconds != null && m.deletionGracePeriodSeconds == null)
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  delete m.resourceVersion;
  delete m.selfLink;
  delete m.managedFields;
  if (o.generation !== undefined) {
    m.generation = specPart(obj) === specPart(old) ? o.generation : o.generation + 1;
  }
}
