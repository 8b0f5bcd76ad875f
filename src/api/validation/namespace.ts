// Namespace rules: spec.finalizers names, and the phase a status write may set.

import type { Namespace } from 'kubernetes-types/core/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { validateFinalizerName } from './object-meta.js';

export function validateNamespaceSpec(ns: Namespace): FieldError[] {
  const path = FieldPath.root('spec').child('finalizers');
  return (ns.spec?.finalizers ?? []).flatMap((f) => validateFinalizerName(f, path));
}

export function validateNamespaceStatus(ns: Namespace): FieldError[] {
  const phase = ns.status?.phase ?? '';
  const path = FieldPath.root('status').child('Phase');
  if (!ns.metadata?.deletionTimestamp) {
    return phase === 'Active'
      ? []
      : [fieldErrors.invalid(path, phase, "may only be 'Active' if `deletionTimestamp` is empty")];
  }
  return phase === 'Terminating'
    ? []
    : [fieldErrors.invalid(path, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
}
