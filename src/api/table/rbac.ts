// Rows for RoleBindings and ClusterRoleBindings, as kube's printers: which role a binding
// grants (`ClusterRole/view`), and in wide output who it grants it to. Roles and ClusterRoles
// print with the default Name / Created At columns, as in kube.
import type { RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { ageColumn, column, type KindPrinter, nameColumn } from './columns.js';
import { since } from './human-duration.js';

function subjectNames(b: RoleBinding, kind: string): string {
  return (b.subjects ?? [])
    .filter((s) => s.kind === kind)
    .map((s) =>
      kind === 'ServiceAccount' ? `${s.namespace ?? b.metadata?.namespace ?? ''}/${s.name}` : s.name,
    )
    .join(', ');
}

export const bindingPrinter: KindPrinter = {
  columns: [
    nameColumn,
    column('Role', 'Role', {}),
    ageColumn,
    column('Users', 'Users in the binding', { priority: 1 }),
    column('Groups', 'Groups in the binding', { priority: 1 }),
    column('ServiceAccounts', 'ServiceAccounts in the binding', { priority: 1 }),
  ],
  cells: (b: RoleBinding, now) => [
    b.metadata?.name ?? '',
    `${b.roleRef?.kind}/${b.roleRef?.name}`,
    since(b.metadata?.creationTimestamp, now),
    subjectNames(b, 'User'),
    subjectNames(b, 'Group'),
    subjectNames(b, 'ServiceAccount'),
  ],
};
