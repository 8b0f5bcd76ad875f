// ClusterRole aggregation (kube's clusterrole-aggregation-controller): a ClusterRole with an
// aggregationRule holds the union of the rules of every other ClusterRole its selectors match,
// so `view`, `edit` and `admin` grow when someone labels a role `aggregate-to-view: "true"`.
// Pure: the controller and the API server's bootstrap both ask it.
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { selectorFromLabelSelector } from './labels.js';

function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const key = (r: PolicyRule) =>
    JSON.stringify([
      r.verbs,
      r.apiGroups ?? [],
      r.resources ?? [],
      r.resourceNames ?? [],
      r.nonResourceURLs ?? [],
    ]);
  return key(a) === key(b);
}

/**
 * The rules an aggregated role should hold: matching roles in name order, each rule once.
 * Undefined for a role without an aggregationRule (its rules are its own).
 */
export function aggregatedRules(role: ClusterRole, all: Iterable<ClusterRole>): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const matchers = selectors.map((s) => selectorFromLabelSelector(s));
  const sources = [...all]
    .filter(
      (r) => r.metadata?.name !== role.metadata?.name && matchers.some((m) => m.matches(r.metadata?.labels)),
    )
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const rules: PolicyRule[] = [];
  for (const source of sources)
    for (const rule of source.rules ?? []) if (!rules.some((r) => sameRule(r, rule))) rules.push(rule);
  return rules;
}

/** Whether two rule lists are the same list (the controller writes only on a change). */
export function sameRules(
  a: readonly PolicyRule[] | undefined,
  b: readonly PolicyRule[] | undefined,
): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => sameRule(r, y[i]!));
}
