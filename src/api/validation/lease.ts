// Lease rules (coordination.k8s.io): node heartbeats and leader election depend on sane durations.

import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isNegativeErrorMsg } from './object-meta.js';

export function validateLeaseSpec(lease: Lease): FieldError[] {
  const spec = lease.spec ?? {};
  const path = FieldPath.root('spec');
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.push(
      fieldErrors.invalid(
        path.child('leaseDurationSeconds'),
        spec.leaseDurationSeconds,
        'must be greater than 0',
      ),
    );
  }
  if (spec.leaseTransitions != null && spec.leaseTransitions < 0) {
    errs.push(fieldErrors.invalid(path.child('leaseTransitions'), spec.leaseTransitions, isNegativeErrorMsg));
  }
  return errs;
}
