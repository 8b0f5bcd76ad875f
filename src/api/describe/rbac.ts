// `describe` for Roles, ClusterRoles and their bindings, as kubectl lays them out: a role's
// rules broken down to one row per resource (verbs of identical rows merged), sorted the way
// kubectl sorts them; a binding's role and subjects as tables.
import type { ClusterRole, PolicyRule, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { DescribeContext } from './context.js';
import { DescribeWriter } from './describe-writer.js';

/** Go's `%v` of a string slice: `[get list]`. */
const goList = (values: readonly string[] | undefined) => `[${(values ?? []).join(' ')}]`;

/** kubectl's BreakdownRule: one rule per group, resource and name, or per non-resource URL. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? []) {
      if (!rule.resourceNames?.length)
        out.push({ apiGroups: [group], resources: [resource], verbs: rule.verbs });
      for (const name of rule.resourceNames ?? [])
        out.push({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: rule.verbs });
    }
  for (const url of rule.nonResourceURLs ?? []) out.push({ nonResourceURLs: [url], verbs: rule.verbs });
  return out;
}

/** kubectl's CompactRules: rows for the same group, resource and name get one list of verbs. */
function compact(rules: PolicyRule[]): PolicyRule[] {
  const byResource = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const rule of rules) {
    if (rule.nonResourceURLs?.length) {
      out.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups, rule.resources, rule.resourceNames ?? []]);
    const seen = byResource.get(key);
    if (seen) seen.verbs = [...new Set([...seen.verbs, ...rule.verbs])];
    else {
      const copy = { ...rule, verbs: [...rule.verbs] };
      byResource.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** The order kubectl prints rules in: by the Go String() of each PolicyRule, verbs first. */
const goString = (r: PolicyRule) =>
  `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;

/** `deployments.apps`, `pods/log`, `deployments.apps/scale`: kubectl's CombineResourceGroup. */
function resourceColumn(r: PolicyRule): string {
  const resource = r.resources?.[0];
  if (!resource) return '';
  const [name, sub] = resource.split(/\/(.*)/s);
  const group = r.apiGroups?.[0];
  return `${name}${group ? `.${group}` : ''}${sub ? `/${sub}` : ''}`;
}

export function describeRole(role: ClusterRole, _ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', role.metadata?.name ?? '');
  w.labels('Labels', role.metadata?.labels);
  w.annotations('Annotations', role.metadata?.annotations);
  w.write(0, 'PolicyRule:\n');
  w.line(1, 'Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs');
  w.line(1, '---------', '-----------------', '--------------', '-----');
  const rows = compact((role.rules ?? []).flatMap(breakdown)).sort((a, b) =>
    goString(a) < goString(b) ? -1 : 1,
  );
  for (const r of rows)
    w.line(1, resourceColumn(r), goList(r.nonResourceURLs), goList(r.resourceNames), goList(r.verbs));
  return w.toString();
}

export function describeBinding(binding: RoleBinding, _ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', binding.metadata?.name ?? '');
  w.labels('Labels', binding.metadata?.labels);
  w.annotations('Annotations', binding.metadata?.annotations);
  w.write(0, 'Role:\n');
  w.line(1, 'Kind:', binding.roleRef?.kind ?? '');
  w.line(1, 'Name:', binding.roleRef?.name ?? '');
  w.write(0, 'Subjects:\n');
  w.line(1, 'Kind', 'Name', 'Namespace');
  w.line(1, '----', '----', '---------');
  for (const s of binding.subjects ?? []) w.line(1, s.kind, s.name, s.namespace ?? '');
  return w.toString();
}
