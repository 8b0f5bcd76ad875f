// RBAC rules (rbac.authorization.k8s.io), as kube's pkg/apis/rbac/validation: a rule names
// either resources or non-resource URLs, never both; a binding's roleRef says which kind of
// role in the RBAC group it grants and never changes (to grant another role, bind again), and
// each subject is a User, a Group or a ServiceAccount with the fields that kind needs.
import type { AggregationRule, PolicyRule, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isValidPathSegmentName, validateServiceAccountName } from '../names.js';
import { validateLabelSelector } from './label-selector.js';

export const rbacGroup = 'rbac.authorization.k8s.io';
const subjectKinds = ['ServiceAccount', 'User', 'Group'] as const;

function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length)
    errs.push(fieldErrors.required(path.child('verbs'), 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    if (namespaced)
      errs.push(
        fieldErrors.invalid(
          path.child('nonResourceURLs'),
          rule.nonResourceURLs,
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length)
      errs.push(
        fieldErrors.invalid(
          path.child('nonResourceURLs'),
          rule.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    return errs;
  }
  if (!rule.apiGroups?.length)
    errs.push(
      fieldErrors.required(path.child('apiGroups'), 'resource rules must supply at least one api group'),
    );
  if (!rule.resources?.length)
    errs.push(
      fieldErrors.required(path.child('resources'), 'resource rules must supply at least one resource'),
    );
  return errs;
}

export function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  return (rules ?? []).flatMap((r, i) => validatePolicyRule(r, namespaced, FieldPath.root('rules').index(i)));
}

export function validateAggregationRule(rule: AggregationRule | undefined | null): FieldError[] {
  if (!rule) return [];
  const path = FieldPath.root('aggregationRule').child('clusterRoleSelectors');
  if (!rule.clusterRoleSelectors?.length)
    return [
      fieldErrors.required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
    ];
  return rule.clusterRoleSelectors.flatMap((s, i) => validateLabelSelector(s, path.index(i)));
}

function validateRoleRef(ref: RoleRef | undefined, kinds: readonly string[]): FieldError[] {
  const path = FieldPath.root('roleRef');
  const r = ref ?? ({} as RoleRef);
  const errs: FieldError[] = [];
  if (r.apiGroup !== rbacGroup)
    errs.push(fieldErrors.notSupported(path.child('apiGroup'), r.apiGroup ?? '', [rbacGroup]));
  if (!kinds.includes(r.kind)) errs.push(fieldErrors.notSupported(path.child('kind'), r.kind ?? '', kinds));
  if (!r.name) errs.push(fieldErrors.required(path.child('name'), ''));
  else
    for (const msg of isValidPathSegmentName(r.name))
      errs.push(fieldErrors.invalid(path.child('name'), r.name, msg));
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldErrors.required(path.child('name'), ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name)
        for (const msg of validateServiceAccountName(s.name, false))
          errs.push(fieldErrors.invalid(path.child('name'), s.name, msg));
      if (s.apiGroup) errs.push(fieldErrors.notSupported(path.child('apiGroup'), s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErrors.required(path.child('namespace'), ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup)
        errs.push(fieldErrors.notSupported(path.child('apiGroup'), s.apiGroup ?? '', [rbacGroup]));
      break;
    default:
      errs.push(fieldErrors.notSupported(path.child('kind'), s.kind ?? '', subjectKinds));
  }
  return errs;
}

/** A RoleBinding may grant a Role or a ClusterRole (in its namespace); a ClusterRoleBinding only a ClusterRole. */
export function validateBinding(
  binding: { roleRef?: RoleRef; subjects?: Subject[] },
  namespaced: boolean,
): FieldError[] {
  return [
    ...validateRoleRef(binding.roleRef, namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']),
    ...(binding.subjects ?? []).flatMap((s, i) =>
      validateSubject(s, namespaced, FieldPath.root('subjects').index(i)),
    ),
  ];
}

/** Changing what a binding grants would silently re-grant to its subjects: kube refuses it. */
export function validateBindingUpdate(
  binding: { roleRef?: RoleRef },
  old: { roleRef?: RoleRef },
): FieldError[] {
  const same =
    binding.roleRef?.apiGroup === old.roleRef?.apiGroup &&
    binding.roleRef?.kind === old.roleRef?.kind &&
    binding.roleRef?.name === old.roleRef?.name;
  return same
    ? []
    : [fieldErrors.invalid(FieldPath.root('roleRef'), binding.roleRef, 'cannot change roleRef')];
}
