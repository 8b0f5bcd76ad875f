// ConfigMap and Secret validation: keys usable as file names, the 1 MiB size budget, the
// well-known Secret types' required keys, and the `immutable` flag.

import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isConfigMapKey } from '../names.js';
import { validateImmutableField } from './object-meta.js';

export const maxSecretSize = 1024 * 1024;
const meta = FieldPath.root('metadata');
const immutableMsg = 'field is immutable when `immutable` is set';
const redacted = '<secret contents redacted>';

function validateKeys(data: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  return Object.keys(data ?? {}).flatMap((k) =>
    isConfigMapKey(k).map((m) => fieldErrors.invalid(path.key(k), k, m)),
  );
}

/** Decoded byte length of base64 text, or an error message like Go's encoding/base64. */
function base64Length(text: string): number | string {
  const clean = text.replace(/[\r\n]/g, '');
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  if (clean.length % 4 !== 0 || /=[^=]/.test(clean)) {
    return `illegal base64 data at input byte ${Math.max(0, clean.length - (clean.length % 4 || 4))}`;
  }
  return Buffer.from(clean, 'base64').length;
}

export function validateConfigMapData(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  const dataPath = FieldPath.root('data');
  errs.push(...validateKeys(cm.data, dataPath));
  errs.push(...validateKeys(cm.binaryData, FieldPath.root('binaryData')));
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    if (cm.binaryData && k in cm.binaryData)
      errs.push(fieldErrors.invalid(dataPath.key(k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v, 'utf8');
  }
  for (const v of Object.values(cm.binaryData ?? {})) {
    const n = base64Length(v);
    if (typeof n === 'number') size += n;
  }
  if (size > maxSecretSize) errs.push(fieldErrors.tooLong(FieldPath.root(''), maxSecretSize));
  return errs;
}

function validateFrozenData<T extends { immutable?: boolean; data?: unknown; binaryData?: unknown }>(
  next: T,
  prev: T,
): FieldError[] {
  if (!prev.immutable) return [];
  const errs: FieldError[] = [];
  if (!next.immutable) errs.push(fieldErrors.forbidden(FieldPath.root('immutable'), immutableMsg));
  for (const key of ['data', 'binaryData'] as const) {
    if (JSON.stringify(next[key] ?? {}) !== JSON.stringify(prev[key] ?? {}))
      errs.push(fieldErrors.forbidden(FieldPath.root(key), immutableMsg));
  }
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  return validateFrozenData(cm, old);
}

/** Keys each well-known Secret type must carry. */
function validateSecretType(secret: Secret, dataPath: FieldPath): FieldError[] {
  const data = secret.data ?? {};
  const has = (k: string) => k in data;
  const errs: FieldError[] = [];
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(
          fieldErrors.required(meta.child('annotations').key('kubernetes.io/service-account.name'), ''),
        );
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        errs.push(fieldErrors.required(dataPath.key(key), ''));
        break;
      }
      try {
        JSON.parse(Buffer.from(data[key]!, 'base64').toString('utf8'));
      } catch (e) {
        errs.push(fieldErrors.invalid(dataPath.key(key), redacted, (e as Error).message));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(
          fieldErrors.required(dataPath.key('username'), ''),
          fieldErrors.required(dataPath.key('password'), ''),
        );
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(fieldErrors.required(dataPath.key('ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fieldErrors.required(dataPath.key('tls.crt'), ''));
      if (!has('tls.key')) errs.push(fieldErrors.required(dataPath.key('tls.key'), ''));
      break;
    default:
      break;
  }
  return errs;
}

export function validateSecretData(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const dataPath = FieldPath.root('data');
  errs.push(...validateKeys(secret.data, dataPath));
  let size = 0;
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    const n = base64Length(v);
    if (typeof n === 'string') errs.push(fieldErrors.invalid(dataPath.key(k), redacted, n));
    else size += n;
  }
  if (size > maxSecretSize) errs.push(fieldErrors.tooLong(dataPath, maxSecretSize));
  errs.push(...validateSecretType(secret, dataPath));
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  return [
    ...validateImmutableField(secret.type, old.type, FieldPath.root('type')),
    ...validateFrozenData(secret, old),
  ];
}
