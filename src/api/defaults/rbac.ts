// RBAC defaulting (kube's pkg/apis/rbac/v1/defaults.go): a roleRef and User/Group subjects
// without an apiGroup mean the RBAC group; ServiceAccount subjects live in the core group.
import type { RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import { rbacGroup } from '../validation/rbac.js';

export function defaultBinding(binding: { roleRef?: RoleRef; subjects?: Subject[] }): void {
  if (binding.roleRef && !binding.roleRef.apiGroup) binding.roleRef.apiGroup = rbacGroup;
  for (const s of binding.subjects ?? [])
    if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = rbacGroup;
}
