// ObjectMeta rules every kind shares (apimachinery api/validation/objectmeta.go): name or
// generateName per the kind's name rule, namespace presence, labels, annotations and their
// 256 KiB budget, owner references, finalizers, and what an update may not change.

import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepEqual } from '../deep-equal.js';
import { type FieldError, type FieldPath, fieldErrors } from '../field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../label-rules.js';
import { type ValidateNameFunc, validateNamespaceName } from '../names.js';

export const totalAnnotationSizeLimitBytes = 256 * 1024;
export const isNegativeErrorMsg = 'must be greater than or equal to 0';
export const fieldImmutableErrorMsg = 'field is immutable';

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

export function validateNonnegativeField(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [fieldErrors.invalid(path, value, isNegativeErrorMsg)] : [];
}

export function validateImmutableField(newVal: unknown, oldVal: unknown, path: FieldPath): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [fieldErrors.invalid(path, newVal, fieldImmutableErrorMsg)];
}

export function validateLabelName(key: string, path: FieldPath): FieldError[] {
  return isQualifiedName(key).map((msg) => fieldErrors.invalid(path, key, msg));
}

export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    errs.push(...isValidLabelValue(v).map((msg) => fieldErrors.invalid(path, v, msg)));
  }
  return errs;
}

export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys follow the qualified-name rule, except that case does not matter.
    errs.push(...isQualifiedName(k.toLowerCase()).map((msg) => fieldErrors.invalid(path, k, msg)));
    size += byteLength(k) + byteLength(v);
  }
  if (size > totalAnnotationSizeLimitBytes)
    errs.push(fieldErrors.tooLong(path, totalAnnotationSizeLimitBytes));
  return errs;
}

function validateOwnerReferences(refs: OwnerReference[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
    if (!version)
      errs.push(
        fieldErrors.invalid(path.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'),
      );
    if (!ref.kind)
      errs.push(fieldErrors.invalid(path.child('kind'), ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name)
      errs.push(fieldErrors.invalid(path.child('name'), ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(fieldErrors.invalid(path.child('uid'), ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          fieldErrors.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => fieldErrors.invalid(path, name, msg));
  if (!name.includes('/') && !standardFinalizers.has(name)) {
    errs.push(
      fieldErrors.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'),
    );
  }
  return errs;
}

function validateFinalizers(finalizers: string[] | undefined, path: FieldPath): FieldError[] {
  const list = finalizers ?? [];
  const errs = list.flatMap((f) => validateFinalizerName(f, path));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(fieldErrors.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** ValidateObjectMeta: what every create checks, with the kind's own name rule. */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  namespaced: boolean,
  nameFn: ValidateNameFunc,
  path: FieldPath,
): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true))
      errs.push(fieldErrors.invalid(path.child('generateName'), m.generateName, msg));
  }
  if (!m.name) {
    errs.push(fieldErrors.required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(m.name, false)) errs.push(fieldErrors.invalid(path.child('name'), m.name, msg));
  }
  if (namespaced) {
    if (!m.namespace) errs.push(fieldErrors.required(path.child('namespace'), ''));
    else {
      for (const msg of validateNamespaceName(m.namespace, false)) {
        errs.push(fieldErrors.invalid(path.child('namespace'), m.namespace, msg));
      }
    }
  } else if (m.namespace) {
    errs.push(fieldErrors.forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(m.generation ?? 0, path.child('generation')));
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, path.child('finalizers')));
  return errs;
}

/**
 * ValidateObjectMetaUpdate. resourceVersion, generation and creationTimestamp are the API
 * server's to carry over (as kube's rest.BeforeUpdate does, which also fills in a uid or
 * deletion fields the request left out), so only what a client could wrongly change is
 * checked here.
 */
export function validateObjectMetaUpdate(
  meta: ObjectMeta | undefined,
  old: ObjectMeta | undefined,
  path: FieldPath,
): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const before = new Set(o.finalizers ?? []);
    for (const f of m.finalizers ?? []) {
      if (!before.has(f)) {
        errs.push(
          fieldErrors.forbidden(
            path.child('finalizers'),
            `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify([f])}`,
          ),
        );
      }
    }
  }
  errs.push(...validateImmutableField(m.name, o.name, path.child('name')));
  errs.push(...validateImmutableField(m.namespace ?? '', o.namespace ?? '', path.child('namespace')));
  errs.push(...validateImmutableField(m.uid, o.uid, path.child('uid')));
  errs.push(
    ...validateImmutableField(m.deletionTimestamp, o.deletionTimestamp, path.child('deletionTimestamp')),
  );
  errs.push(
    ...validateImmutableField(
      m.deletionGracePeriodSeconds,
      o.deletionGracePeriodSeconds,
      path.child('deletionGracePeriodSeconds'),
    ),
  );
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, path.child('finalizers')));
  return errs;
}
