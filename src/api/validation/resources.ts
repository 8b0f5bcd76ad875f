// Compute resources: resource names (cpu, memory, hugepages-*, extended resources such as
// example.com/gpu) and their quantities, for container requests/limits and node capacity.

import type { ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { type FieldError, type FieldPath, fieldErrors } from '../field-errors.js';
import { isQualifiedName } from '../label-rules.js';
import { parseQuantity, type Quantity, quantityFormatError } from '../quantity.js';
import { isNegativeErrorMsg } from './object-meta.js';

type QuantityValue = string | number;

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  ...standardContainerResources,
  'storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);

const isHugePages = (name: string) => name.startsWith('hugepages-');
/** Native resources have no domain or live under kubernetes.io. */
const isNative = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');
const isExtended = (name: string) => !isNative(name) && !name.startsWith('requests.');
/** Only native, non-hugepage resources may be requested below their limit. */
const isOvercommitAllowed = (name: string) => isNative(name) && !isHugePages(name);

function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => fieldErrors.invalid(path, name, msg));
  if (errs.length) return errs;
  if (!name.includes('/') && !standardResources.has(name) && !isHugePages(name)) {
    return [fieldErrors.invalid(path, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

export function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !isHugePages(name)) {
      return [fieldErrors.invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNative(name) && !isExtended(name)) {
    return [fieldErrors.invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

/** Parses a quantity for validation; an unparseable one is reported with kube's decode message. */
export function parseQuantityField(
  value: QuantityValue,
  path: FieldPath,
  errs: FieldError[],
): Quantity | undefined {
  try {
    return parseQuantity(value);
  } catch {
    errs.push(fieldErrors.invalid(path, value, quantityFormatError));
    return undefined;
  }
}

export function validateResourceQuantityValue(name: string, q: Quantity, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(fieldErrors.invalid(path, q.toString(), isNegativeErrorMsg));
  // Extended resources are whole devices: a fraction of a GPU means nothing.
  if (isExtended(name) && q.milliValue() % 1000 !== 0) {
    errs.push(fieldErrors.invalid(path, q.toString(), 'must be an integer'));
  }
  return errs;
}

/** A ResourceList such as node capacity: names and non-negative quantities. */
export function validateResourceList(
  list: Record<string, QuantityValue> | undefined,
  path: FieldPath,
  nameRule: (name: string, p: FieldPath) => FieldError[] = validateResourceName,
): { errs: FieldError[]; parsed: Map<string, Quantity> } {
  const errs: FieldError[] = [];
  const parsed = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(list ?? {})) {
    const p = path.key(name);
    errs.push(...nameRule(name, p));
    const q = parseQuantityField(value, p, errs);
    if (!q) continue;
    parsed.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, p));
  }
  return { errs, parsed };
}

export function validateResourceRequirements(
  req: ResourceRequirements | undefined,
  path: FieldPath,
): FieldError[] {
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = validateResourceList(req?.limits, limPath, validateContainerResourceName);
  const requests = validateResourceList(req?.requests, reqPath, validateContainerResourceName);
  const errs = [...limits.errs, ...requests.errs];
  for (const [name, q] of requests.parsed) {
    const limit = limits.parsed.get(name);
    if (limit) {
      if (q.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(
          fieldErrors.invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`),
        );
      } else if (q.cmp(limit) > 0) {
        errs.push(
          fieldErrors.invalid(
            reqPath,
            q.toString(),
            `must be less than or equal to ${name} limit of ${limit.toString()}`,
          ),
        );
      }
    } else if (!isOvercommitAllowed(name) && !(req?.limits && name in req.limits)) {
      errs.push(fieldErrors.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}
