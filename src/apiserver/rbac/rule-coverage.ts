// Escalation prevention's arithmetic (kube's pkg/registry/rbac/validation Covers): a user may
// write a role, or bind one, only if the rules they already hold cover every rule it grants.
// Each requested rule is broken into atoms (one verb, group, resource, name or URL) and every
// atom must be allowed by some held rule; `*` in a held rule covers anything in its place.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { nonResourceURLMatches } from './rule-match.js';

const all = '*';

function atoms(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
  for (const verb of rule.verbs ?? []) {
    for (const apiGroup of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const name of names)
          out.push({
            verbs: [verb],
            apiGroups: [apiGroup],
            resources: [resource],
            ...(name === undefined ? {} : { resourceNames: [name] }),
          });
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function coversValue(held: readonly string[] | undefined, value: string): boolean {
  return !!held && (held.includes(all) || held.includes(value));
}

function coversResource(held: readonly string[] | undefined, resource: string): boolean {
  if (coversValue(held, resource)) return true;
  const slash = resource.indexOf('/');
  return slash > 0 && !!held?.includes(`${all}${resource.slice(slash)}`);
}

function covers(held: PolicyRule, atom: PolicyRule): boolean {
  const verb = atom.verbs[0] ?? '';
  if (!coversValue(held.verbs, verb)) return false;
  const url = atom.nonResourceURLs?.[0];
  if (url !== undefined) return (held.nonResourceURLs ?? []).some((u) => nonResourceURLMatches(u, url));
  if (!coversValue(held.apiGroups, atom.apiGroups?.[0] ?? '')) return false;
  if (!coversResource(held.resources, atom.resources?.[0] ?? '')) return false;
  if (!held.resourceNames?.length) return true;
  const name = atom.resourceNames?.[0];
  return name !== undefined && held.resourceNames.includes(name);
}

/** The atoms of `requested` that no rule of `held` covers; empty means no escalation. */
export function uncoveredRules(held: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  return requested.flatMap(atoms).filter((atom) => !held.some((h) => covers(h, atom)));
}

/** kube's CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}`. */
export function compactRule(rule: PolicyRule): string {
  const fields: [string, readonly string[] | undefined][] = [
    ['APIGroups', rule.apiGroups],
    ['Resources', rule.resources],
    ['ResourceNames', rule.resourceNames],
    ['NonResourceURLs', rule.nonResourceURLs],
    ['Verbs', rule.verbs],
  ];
  return `{${fields
    .filter(([, v]) => v?.length)
    .map(([k, v]) => `${k}:[${(v ?? []).map((x) => JSON.stringify(x)).join(' ')}]`)
    .join(', ')}}`;
}
