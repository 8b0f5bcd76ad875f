// The matching half of kube's RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go):
// whether one PolicyRule allows one request, and whether one binding subject names the caller.
// Pure: no store, no cache. `*` means every verb, group, resource or URL; a subresource is
// asked for as `pods/log` and matched by `pods/log` or `*/log`, never by `pods` alone.
import type { PolicyRule, Subject } from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../authn.js';

/** What is asked, as kube's authorizer.Attributes: a resource request or a non-resource path. */
export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      apiGroup: string;
      resource: string;
      subresource?: string;
      /** Empty or absent: cluster scope (a cluster-scoped kind, or a namespaced kind across all namespaces). */
      namespace?: string;
      name?: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

const all = '*';

function has(list: readonly string[] | undefined, value: string): boolean {
  return !!list && (list.includes(all) || list.includes(value));
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (r) => r === all || r === combined || (!!subresource && r === `${all}/${subresource}`),
  );
}

/** `/apis/*` matches every path under /apis/ (and `/apis/` itself); other URLs match exactly. */
export function nonResourceURLMatches(ruleUrl: string, path: string): boolean {
  if (ruleUrl === all || ruleUrl === path) return true;
  return ruleUrl.endsWith(all) && path.startsWith(ruleUrl.slice(0, -1));
}

export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (attrs.kind === 'nonResource')
    return (rule.nonResourceURLs ?? []).some((u) => nonResourceURLMatches(u, attrs.path));
  return (
    has(rule.apiGroups, attrs.apiGroup) &&
    resourceMatches(rule, attrs.resource, attrs.subresource) &&
    // resourceNames narrow a rule to named objects, so a list or a create (no name) never matches.
    (!rule.resourceNames?.length || rule.resourceNames.includes(attrs.name ?? ''))
  );
}

/** The user a ServiceAccount authenticates as, and the groups it is in. */
export function serviceAccountUser(namespace: string, name: string): { name: string; groups: string[] } {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  };
}

/**
 * Whether a binding's subject names the user. A ServiceAccount subject of a RoleBinding without
 * a namespace means one in the binding's namespace.
 */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace?: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return !!namespace && user.name === serviceAccountUser(namespace, subject.name).name;
    }
    default:
      return false;
  }
}
