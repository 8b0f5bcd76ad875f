// Node rules: pod CIDRs (one per IP family, fixed once assigned), taints unique by key and
// effect, providerID fixed once set, and capacity/allocatable quantities in status.

import type { Node } from 'kubernetes-types/core/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isValidLabelValue } from '../label-rules.js';
import { isValidCIDR, parseIP } from '../names.js';
import { validateLabelName } from './object-meta.js';
import { validateTaintEffect } from './pod-spec.js';
import { validateResourceList } from './resources.js';

const specPath = FieldPath.root('spec');

function podCIDRsOf(node: Node): string[] {
  const spec = node.spec ?? {};
  return spec.podCIDRs?.length ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [];
}

export function validateNodeSpec(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const cidrs = podCIDRsOf(node);
  const cidrPath = specPath.child('podCIDRs');
  cidrs.forEach((c, i) => {
    errs.push(...isValidCIDR(c).map((m) => fieldErrors.invalid(cidrPath.index(i), c, m)));
  });
  if (cidrs.length > 1) {
    const families = cidrs.map((c) => parseIP(c.split('/')[0] ?? '')?.length);
    if (cidrs.length > 2 || families[0] === families[1]) {
      errs.push(fieldErrors.invalid(cidrPath, cidrs, 'may specify no more than one CIDR for each IP family'));
    }
  }
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = specPath.child('taints').index(i);
    errs.push(...validateLabelName(t.key ?? '', p.child('key')));
    const msgs = isValidLabelValue(t.value ?? '');
    if (msgs.length) errs.push(fieldErrors.invalid(p.child('value'), t.value ?? '', msgs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, p.child('effect')));
    const key = `${t.effect}\u0000${t.key}`;
    if (seen.has(key)) {
      const dup = fieldErrors.duplicate(p, t);
      errs.push({ ...dup, message: `${dup.message}: taints must be unique by key and effect pair` });
    }
    seen.add(key);
  });
  errs.push(...validateNodeResources(node));
  return errs;
}

function validateNodeResources(node: Node): FieldError[] {
  const status = FieldPath.root('status');
  return [
    ...validateResourceList(node.status?.capacity, status.child('capacity')).errs,
    ...validateResourceList(node.status?.allocatable, status.child('allocatable')).errs,
  ];
}

const cidrChangeMsg = 'node updates may not change podCIDR except from "" to valid';

export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const prev = podCIDRsOf(old);
  const next = podCIDRsOf(node);
  // Assigning a CIDR to a node that has none is how the node IPAM controller works.
  if (prev.length > 0 && (prev.length !== next.length || prev.some((c, i) => c !== next[i]))) {
    errs.push(fieldErrors.forbidden(specPath.child('podCIDRs'), cidrChangeMsg));
  }
  const oldID = old.spec?.providerID ?? '';
  if (oldID && oldID !== (node.spec?.providerID ?? '')) {
    errs.push(
      fieldErrors.forbidden(
        specPath.child('providerID'),
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  return errs;
}

export function validateNodeStatus(node: Node): FieldError[] {
  return validateNodeResources(node);
}
