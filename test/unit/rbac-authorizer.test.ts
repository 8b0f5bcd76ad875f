// The RBAC authorizer over the default policy in a real (in-memory) store: what the default
// roles grant through bindings, the order of authorizers, reconciliation of the defaults,
// the access reviews, and escalation prevention on role and binding writes.
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import type { UserInfo } from '../../src/apiserver/authn.js';
import { authorize } from '../../src/apiserver/authz.js';
import { accessReviews } from '../../src/apiserver/rbac/access-reviews.js';
import { reconcileBootstrapPolicy } from '../../src/apiserver/rbac/bootstrap-policy.js';
import type { RequestAttributes } from '../../src/apiserver/rbac/rule-match.js';
import type { ResourceRequest } from '../../src/apiserver/request-info.js';
import { rbacFixture } from '../helpers/rbac-fixture.js';

const authenticated = 'system:authenticated';
const jane: UserInfo = { name: 'jane', groups: [authenticated] };
type ResourceAttributes = Extract<RequestAttributes, { kind: 'resource' }>;
const res = (verb: string, resource: string, namespace?: string, more: Partial<ResourceAttributes> = {}) =>
  ({ kind: 'resource', verb, apiGroup: '', resource, namespace, ...more }) as ResourceAttributes;

let f: Awaited<ReturnType<typeof rbacFixture>>;
beforeEach(async () => {
  f = await rbacFixture();
});
afterEach(() => f.close());

describe('RBAC authorizer over the default policy', () => {
  it('lets every authenticated user discover the API and review itself, nothing more', () => {
    expect(f.rbac.allows(jane, { kind: 'nonResource', verb: 'get', path: '/apis/apps/v1' })).toBe(true);
    expect(f.rbac.allows(jane, { kind: 'nonResource', verb: 'get', path: '/version' })).toBe(true);
    expect(
      f.rbac.allows(jane, { ...res('create', 'selfsubjectaccessreviews'), apiGroup: 'authorization.k8s.io' }),
    ).toBe(true);
    expect(f.rbac.allows(jane, res('list', 'pods', 'a'))).toBe(false);
    expect(
      f.rbac.allows({ name: 'anon', groups: [] }, { kind: 'nonResource', verb: 'get', path: '/api' }),
    ).toBe(false);
  });

  it('grants view in one namespace only through a RoleBinding, without Secrets', async () => {
    await f.bind('jane', 'view', 'a');
    expect(f.rbac.allows(jane, res('list', 'pods', 'a'))).toBe(true);
    expect(f.rbac.allows(jane, res('get', 'pods', 'a', { subresource: 'log' }))).toBe(true);
    expect(f.rbac.allows(jane, { ...res('list', 'pods', 'a'), apiGroup: 'metrics.k8s.io' })).toBe(true);
    expect(f.rbac.allows(jane, res('get', 'secrets', 'a'))).toBe(false);
    expect(f.rbac.allows(jane, res('delete', 'pods', 'a'))).toBe(false);
    expect(f.rbac.allows(jane, res('list', 'pods', 'b'))).toBe(false);
    expect(f.rbac.allows(jane, res('list', 'pods'))).toBe(false);
  });

  it('builds edit and admin by aggregation, each including the one below', async () => {
    await f.bind('jane', 'edit', 'a');
    expect(f.rbac.allows(jane, { ...res('create', 'deployments', 'a'), apiGroup: 'apps' })).toBe(true);
    expect(f.rbac.allows(jane, res('get', 'secrets', 'a'))).toBe(true);
    expect(
      f.rbac.allows(jane, { ...res('create', 'roles', 'a'), apiGroup: 'rbac.authorization.k8s.io' }),
    ).toBe(false);
    await f.bind('jane', 'admin', 'b');
    expect(
      f.rbac.allows(jane, { ...res('create', 'rolebindings', 'b'), apiGroup: 'rbac.authorization.k8s.io' }),
    ).toBe(true);
    expect(f.rbac.allows(jane, res('list', 'pods', 'b'))).toBe(true);
  });

  it('binds nodes to system:node-proxier and the control plane users to their roles', () => {
    const node: UserInfo = { name: 'system:node:w1', groups: ['system:nodes', authenticated] };
    expect(f.rbac.allows(node, { ...res('list', 'endpointslices'), apiGroup: 'discovery.k8s.io' })).toBe(
      true,
    );
    expect(f.rbac.allows(node, res('delete', 'services', 'a'))).toBe(false);
    const scheduler: UserInfo = { name: 'system:kube-scheduler', groups: [authenticated] };
    expect(
      f.rbac.allows(scheduler, res('create', 'pods', 'a', { subresource: 'binding', name: 'web' })),
    ).toBe(true);
    expect(f.rbac.allows(scheduler, res('create', 'pods', 'a'))).toBe(false);
    const cm: UserInfo = { name: 'system:kube-controller-manager', groups: [authenticated] };
    expect(f.rbac.allows(cm, { ...res('deletecollection', 'cronjobs', 'a'), apiGroup: 'batch' })).toBe(true);
    expect(
      f.rbac.allows(cm, res('update', 'namespaces', undefined, { subresource: 'finalize', name: 'a' })),
    ).toBe(true);
  });
});

describe('escalation prevention', () => {
  const write = (r: ResourceRequest['resource'], namespace?: string): ResourceRequest => ({
    kind: 'resource',
    verb: 'create',
    resource: r,
    namespace,
    query: new URLSearchParams(),
  });
  const refusal = (fn: () => void): string => {
    try {
      fn();
    } catch (e) {
      if (e instanceof StatusError && e.code === 403) return e.message;
      throw e;
    }
    return '';
  };
  const secretsRole = {
    metadata: { name: 'secret-reader' },
    rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
  };

  it('refuses a role granting what the writer does not hold, and allows what it does', async () => {
    await f.bind('jane', 'admin', 'a');
    await f.bind('jane', 'view', 'b');
    expect(refusal(() => f.rbac.checkWrite(jane, write(resource.roles, 'a'), secretsRole))).toBe('');
    expect(refusal(() => f.rbac.checkWrite(jane, write(resource.roles, 'b'), secretsRole))).toBe(
      'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    expect(refusal(() => f.rbac.checkWrite(jane, write(resource.clusterRoles), secretsRole))).toMatch(
      /not currently held/,
    );
    // An aggregation rule can gather anything later: only a cluster admin may write one.
    const aggregated = {
      metadata: { name: 'mine' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] },
    };
    expect(refusal(() => f.rbac.checkWrite(jane, write(resource.clusterRoles), aggregated))).toMatch(
      /must have cluster-admin privileges to use the aggregationRule/,
    );
    // system:masters may write anything.
    f.rbac.checkWrite({ name: 'root', groups: ['system:masters'] }, write(resource.clusterRoles), aggregated);
  });

  it('does not check an update that grants what is already stored (owner references, labels)', async () => {
    await f.bind('jane', 'admin', 'a');
    const nodesRole = {
      metadata: { name: 'node-reader', namespace: 'a' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }],
    };
    await f.registry.create(resource.roles, 'a', nodesRole);
    await f.settle();
    const update = { ...write(resource.roles, 'a'), verb: 'update' as const, name: 'node-reader' };
    const relabelled = { ...nodesRole, metadata: { ...nodesRole.metadata, labels: { team: 'x' } } };
    expect(refusal(() => f.rbac.checkWrite(jane, update, relabelled))).toBe('');
    const widened = {
      ...nodesRole,
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }],
    };
    expect(refusal(() => f.rbac.checkWrite(jane, update, widened))).toMatch(/not currently held/);
  });

  it('lets a writer with `escalate` grant what it lacks', async () => {
    await f.registry.create(resource.clusterRoles, undefined, {
      metadata: { name: 'role-escalator' },
      rules: [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }],
    });
    await f.bind('jane', 'role-escalator', 'a');
    expect(refusal(() => f.rbac.checkWrite(jane, write(resource.roles, 'a'), secretsRole))).toBe('');
  });

  it('refuses binding a role the writer does not hold unless it has `bind` on that role', async () => {
    await f.bind('jane', 'admin', 'a');
    const bindTo = (name: string) => ({
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', name: 'joe' }],
    });
    expect(refusal(() => f.rbac.checkWrite(jane, write(resource.roleBindings, 'a'), bindTo('edit')))).toBe(
      '',
    );
    expect(
      refusal(() => f.rbac.checkWrite(jane, write(resource.roleBindings, 'a'), bindTo('cluster-admin'))),
    ).toMatch(/^rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "jane" .* not currently held/);
    expect(
      refusal(() => f.rbac.checkWrite(jane, write(resource.clusterRoleBindings), bindTo('view'))),
    ).toMatch(/not currently held/);
    await f.registry.create(resource.clusterRoles, undefined, {
      metadata: { name: 'admin-binder' },
      rules: [
        {
          verbs: ['bind'],
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['clusterroles'],
          resourceNames: ['cluster-admin'],
        },
      ],
    });
    await f.bind('jane', 'admin-binder', 'a');
    expect(
      refusal(() => f.rbac.checkWrite(jane, write(resource.roleBindings, 'a'), bindTo('cluster-admin'))),
    ).toBe('');
  });
});

describe('authorization order: masters, then the node authorizer, then RBAC', () => {
  const node: UserInfo = { name: 'system:node:w1', groups: ['system:nodes', authenticated] };
  const request = (
    verb: ResourceRequest['verb'],
    r: ResourceRequest['resource'],
    namespace: string,
    name?: string,
  ) =>
    ({
      kind: 'resource',
      verb,
      resource: r,
      namespace,
      name,
      query: new URLSearchParams(),
    }) as ResourceRequest;
  const denial = async (p: Promise<void>) =>
    p.then(
      () => '',
      (e: StatusError) => e.message,
    );

  it("lets RBAC grant a node what the node authorizer does not, keeping the node authorizer's reason otherwise", async () => {
    const lease = request('update', resource.leases, 'a', 'w2');
    expect(await denial(authorize(node, lease, f.registry, f.rbac))).toBe(
      'leases.coordination.k8s.io "w2" is forbidden: User "system:node:w1" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "a": can only access leases in the "kube-node-lease" system namespace',
    );
    await f.bind('system:node:w1', 'edit', 'a');
    expect(await denial(authorize(node, lease, f.registry, f.rbac))).toBe('');
    const configMap = request('create', resource.configMaps, 'b');
    expect(await denial(authorize(node, configMap, f.registry, f.rbac))).toBe(
      'configmaps is forbidden: User "system:node:w1" cannot create resource "configmaps" in API group "" in the namespace "b"',
    );
  });
});

describe('default policy reconciliation on every start', () => {
  it('puts back what a default role or binding lost, unless it is marked autoupdate "false"', async () => {
    const view = (await f.registry.get(
      resource.clusterRoles,
      undefined,
      'system:node-proxier',
    )) as ClusterRole;
    await f.registry.update(resource.clusterRoles, undefined, 'system:node-proxier', { ...view, rules: [] });
    const binding = (await f.registry.get(
      resource.clusterRoleBindings,
      undefined,
      'system:discovery',
    )) as unknown as ClusterRoleBinding;
    await f.registry.update(resource.clusterRoleBindings, undefined, 'system:discovery', {
      ...binding,
      subjects: [],
    });
    const basic = (await f.registry.get(
      resource.clusterRoles,
      undefined,
      'system:basic-user',
    )) as ClusterRole;
    await f.registry.update(resource.clusterRoles, undefined, 'system:basic-user', {
      ...basic,
      metadata: {
        ...basic.metadata,
        annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' },
      },
      rules: [],
    });
    await reconcileBootstrapPolicy(f.registry);
    const proxier = (await f.registry.get(
      resource.clusterRoles,
      undefined,
      'system:node-proxier',
    )) as ClusterRole;
    expect(proxier.rules?.length).toBeGreaterThan(0);
    const discovery = (await f.registry.get(
      resource.clusterRoleBindings,
      undefined,
      'system:discovery',
    )) as unknown as ClusterRoleBinding;
    expect(discovery.subjects?.map((s) => s.name)).toEqual([authenticated]);
    expect(
      ((await f.registry.get(resource.clusterRoles, undefined, 'system:basic-user')) as ClusterRole).rules,
    ).toEqual([]);
  });
});

describe('access reviews', () => {
  const info = (namespace?: string) =>
    ({
      kind: 'resource',
      verb: 'create',
      resource: resource.localSubjectAccessReviews,
      namespace,
      query: new URLSearchParams(),
    }) as ResourceRequest;

  it('answers for the subject a SubjectAccessReview names, and for the caller of a self review', async () => {
    await f.bind('jane', 'view', 'a');
    const reviews = accessReviews(f.rbac);
    const spec = (user: string, namespace: string) => ({
      spec: {
        user,
        groups: [authenticated],
        resourceAttributes: { namespace, verb: 'list', resource: 'pods' },
      },
    });
    expect(reviews.SubjectAccessReview!(spec('jane', 'a'), jane, info())).toEqual({ allowed: true });
    expect(reviews.SubjectAccessReview!(spec('jane', 'b'), jane, info())).toEqual({ allowed: false });
    expect(() => reviews.SubjectAccessReview!({ spec: { resourceAttributes: {} } }, jane, info())).toThrow(
      /at least one of user or group must be specified/,
    );
    expect(reviews.LocalSubjectAccessReview!(spec('jane', 'a'), jane, info('a'))).toEqual({ allowed: true });
    expect(() => reviews.LocalSubjectAccessReview!(spec('jane', 'b'), jane, info('a'))).toThrow(
      /must match metadata.namespace/,
    );
    const self = { spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } };
    expect(reviews.SelfSubjectAccessReview!(self, jane, info())).toEqual({ allowed: true });
    const rules = reviews.SelfSubjectRulesReview!({ spec: { namespace: 'a' } }, jane, info()) as {
      resourceRules: { resources: string[] }[];
    };
    expect(rules.resourceRules.some((r) => r.resources.includes('pods'))).toBe(true);
  });
});
