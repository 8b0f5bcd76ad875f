// What every controller-owned workload shares: a non-empty selector that matches its pod
// template's labels, a valid pod template, and (for long-running workloads) restartPolicy
// Always with no activeDeadlineSeconds.

import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { type FieldError, type FieldPath, fieldErrors } from '../field-errors.js';
import { selectorFromLabelSelector } from '../labels.js';
import { isEmptySelector, validateLabelSelector } from './label-selector.js';
import { type PodSpecOptions, validatePodTemplateSpec } from './pod-spec.js';

export interface WorkloadShape {
  selector?: LabelSelector;
  template?: PodTemplateSpec;
}

/** `selector` validation, and whether the template's labels satisfy it. `kind` words the empty-selector message. */
export function validateSelectorMatchesTemplate(
  spec: WorkloadShape,
  path: FieldPath,
  emptySelectorWord: string | undefined,
): FieldError[] {
  const selPath = path.child('selector');
  if (!spec.selector) return [fieldErrors.required(selPath, '')];
  const errs = validateLabelSelector(spec.selector, selPath);
  if (emptySelectorWord && isEmptySelector(spec.selector)) {
    errs.push(
      fieldErrors.invalid(selPath, spec.selector, `empty selector is invalid for ${emptySelectorWord}`),
    );
  }
  let matches = true;
  try {
    const sel = selectorFromLabelSelector(spec.selector);
    matches = sel.isEverything() || sel.matches(spec.template?.metadata?.labels ?? {});
  } catch {
    errs.push(fieldErrors.invalid(selPath, spec.selector, 'invalid label selector'));
  }
  if (!matches) {
    errs.push(
      fieldErrors.invalid(
        path.child('template').child('metadata').child('labels'),
        spec.template?.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  return errs;
}

/** ReplicaSet-style templates: pods that run forever, restarted in place. */
export function validateLongRunningTemplate(
  template: PodTemplateSpec | undefined,
  path: FieldPath,
  kind: string,
  opts: PodSpecOptions = {},
): FieldError[] {
  const errs = validatePodTemplateSpec(template, path, opts);
  if (!template) return errs;
  const restart = template.spec?.restartPolicy ?? '';
  if (restart !== 'Always')
    errs.push(fieldErrors.notSupported(path.child('spec').child('restartPolicy'), restart, ['Always']));
  if (template.spec?.activeDeadlineSeconds != null) {
    errs.push(
      fieldErrors.forbidden(
        path.child('spec').child('activeDeadlineSeconds'),
        `activeDeadlineSeconds in ${kind} is not Supported`,
      ),
    );
  }
  return errs;
}
