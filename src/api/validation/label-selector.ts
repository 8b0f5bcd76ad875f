// metav1.LabelSelector validation (apimachinery meta/v1/validation): used by every workload's
// spec.selector and by pod affinity terms.

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { type FieldError, type FieldPath, fieldErrors } from '../field-errors.js';
import { isValidLabelValue } from '../label-rules.js';
import { validateLabelName, validateLabels } from './object-meta.js';

export function validateLabelSelector(sel: LabelSelector | undefined, path: FieldPath): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, path.child('matchLabels'));
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const p = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            fieldErrors.required(p.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            fieldErrors.forbidden(
              p.child('values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(fieldErrors.invalid(p.child('operator'), expr.operator, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(expr.key ?? '', p.child('key')));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v))
        errs.push(fieldErrors.invalid(p.child('values').index(j), v, msg));
    });
  });
  return errs;
}

export function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}
