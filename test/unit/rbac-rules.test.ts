// RBAC's pure parts: whether a rule allows a request (kube's rbac.go matchers), whether held
// rules cover requested ones (escalation), and ClusterRole aggregation.
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { describe, expect, it } from 'vitest';
import { aggregatedRules, sameRules } from '../../src/api/rbac-aggregation.js';
import { compactRule, uncoveredRules } from '../../src/apiserver/rbac/rule-coverage.js';
import { type RequestAttributes, ruleAllows, subjectMatches } from '../../src/apiserver/rbac/rule-match.js';

const res = (verb: string, resource: string, more: Partial<RequestAttributes & { kind: 'resource' }> = {}) =>
  ({ kind: 'resource', verb, apiGroup: '', resource, ...more }) as RequestAttributes;

describe('rule matching', () => {
  const podsRead: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };

  it('needs the verb, the group and the resource to match, `*` matching any', () => {
    expect(ruleAllows(podsRead, res('list', 'pods'))).toBe(true);
    expect(ruleAllows(podsRead, res('delete', 'pods'))).toBe(false);
    expect(ruleAllows(podsRead, res('list', 'pods', { apiGroup: 'apps' }))).toBe(false);
    expect(ruleAllows(podsRead, res('list', 'secrets'))).toBe(false);
    expect(
      ruleAllows(
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        res('delete', 'deployments', { apiGroup: 'apps' }),
      ),
    ).toBe(true);
  });

  it('matches a subresource only by its full name or `*/sub`, never by the parent resource', () => {
    expect(ruleAllows(podsRead, res('get', 'pods', { subresource: 'log' }))).toBe(false);
    expect(
      ruleAllows({ ...podsRead, resources: ['pods/log'] }, res('get', 'pods', { subresource: 'log' })),
    ).toBe(true);
    expect(
      ruleAllows({ ...podsRead, resources: ['*/log'] }, res('get', 'pods', { subresource: 'log' })),
    ).toBe(true);
    expect(ruleAllows({ ...podsRead, resources: ['*/log'] }, res('get', 'pods'))).toBe(false);
    expect(ruleAllows({ ...podsRead, resources: ['*'] }, res('get', 'pods', { subresource: 'status' }))).toBe(
      true,
    );
  });

  it('narrows to resourceNames, which a list or a create (no name) never matches', () => {
    const one = { ...podsRead, resourceNames: ['web'] };
    expect(ruleAllows(one, res('get', 'pods', { name: 'web' }))).toBe(true);
    expect(ruleAllows(one, res('get', 'pods', { name: 'db' }))).toBe(false);
    expect(ruleAllows(one, res('list', 'pods'))).toBe(false);
  });

  it('matches non-resource URLs exactly, or by prefix when the rule ends in `*`', () => {
    const discovery: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/api', '/apis/*', '/version'] };
    const path = (p: string, verb = 'get') => ({ kind: 'nonResource', verb, path: p }) as const;
    expect(ruleAllows(discovery, path('/api'))).toBe(true);
    expect(ruleAllows(discovery, path('/api/v1'))).toBe(false);
    expect(ruleAllows(discovery, path('/apis/apps/v1'))).toBe(true);
    expect(ruleAllows(discovery, path('/versions'))).toBe(false);
    expect(ruleAllows(discovery, path('/api', 'post'))).toBe(false);
    // A resource rule never grants a path, nor a path rule a resource.
    expect(ruleAllows(podsRead, path('/api'))).toBe(false);
    expect(ruleAllows({ verbs: ['*'], nonResourceURLs: ['*'] }, res('get', 'pods'))).toBe(false);
  });

  it('names users, groups and ServiceAccounts (in the binding namespace when the subject has none)', () => {
    const jane = { name: 'jane', groups: ['devs'] };
    expect(subjectMatches({ kind: 'User', name: 'jane' }, jane)).toBe(true);
    expect(subjectMatches({ kind: 'Group', name: 'devs' }, jane)).toBe(true);
    expect(subjectMatches({ kind: 'Group', name: 'jane' }, jane)).toBe(false);
    const sa = { name: 'system:serviceaccount:a:builder', groups: ['system:serviceaccounts'] };
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'builder', namespace: 'a' }, sa)).toBe(true);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'builder' }, sa, 'a')).toBe(true);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'builder' }, sa, 'b')).toBe(false);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'builder' }, sa)).toBe(false);
  });
});

describe('rule coverage (escalation)', () => {
  it('is covered by equal or wider rules, verb by verb and name by name', () => {
    const held: PolicyRule[] = [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'] },
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['tls'] },
      { verbs: ['get'], apiGroups: [''], resources: ['*/status'] },
    ];
    expect(uncoveredRules(held, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])).toEqual([]);
    expect(
      uncoveredRules(held, [
        { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['tls'] },
      ]),
    ).toEqual([]);
    expect(uncoveredRules(held, [{ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }])).toEqual(
      [],
    );
    expect(
      uncoveredRules(held, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]),
    ).toEqual([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    // A rule for every Secret is more than a rule for one.
    expect(uncoveredRules(held, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])).toHaveLength(
      1,
    );
    expect(uncoveredRules(held, [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }])).toHaveLength(1);
  });

  it('covers anything with cluster-admin and prints missing rules as kube does', () => {
    const admin: PolicyRule[] = [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ];
    expect(
      uncoveredRules(admin, [
        { verbs: ['escalate'], apiGroups: ['x'], resources: ['y/z'] },
        { verbs: ['get'], nonResourceURLs: ['/metrics'] },
      ]),
    ).toEqual([]);
    expect(compactRule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] })).toBe(
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    );
  });
});

describe('ClusterRole aggregation', () => {
  const role = (name: string, labels: Record<string, string>, rules: PolicyRule[]): ClusterRole => ({
    metadata: { name, labels },
    rules,
  });
  const read = (resource: string): PolicyRule => ({ verbs: ['get'], apiGroups: [''], resources: [resource] });
  const view: ClusterRole = {
    metadata: { name: 'view' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'aggregate-to-view': 'true' } }] },
    rules: [read('stale')],
  };

  it('is the union of the matching roles, in name order, each rule once', () => {
    const all = [
      view,
      role('z-extra', { 'aggregate-to-view': 'true' }, [read('pods'), read('crontabs')]),
      role('a-base', { 'aggregate-to-view': 'true' }, [read('pods')]),
      role('unrelated', { other: 'true' }, [read('secrets')]),
    ];
    expect(aggregatedRules(view, all)).toEqual([read('pods'), read('crontabs')]);
  });

  it('leaves a role without an aggregationRule to its own rules, and is empty when nothing matches', () => {
    expect(aggregatedRules(role('plain', {}, [read('pods')]), [])).toBeUndefined();
    expect(aggregatedRules(view, [view])).toEqual([]);
  });

  it('compares rule lists for the controller to write only changes', () => {
    expect(sameRules([read('pods')], [{ resources: ['pods'], verbs: ['get'], apiGroups: [''] }])).toBe(true);
    expect(sameRules([read('pods')], [read('pods'), read('x')])).toBe(false);
  });
});
