// The default ClusterRoles and ClusterRoleBindings every cluster starts with (kube's
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy), and their reconciliation on every start
// (kube's auto-update): a missing role or binding is created; one annotated
// `rbac.authorization.kubernetes.io/autoupdate: "true"` gets the rules and subjects it lacks
// (nothing is taken away, so an administrator's additions stay); `"false"` leaves it alone.
// Roles and rules follow kube's, trimmed to groups kubelab serves or will; the two control
// plane roles are written for what kubelab's scheduler and controllers actually call.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from 'kubernetes-types/rbac/v1.js';
import { aggregatedRules, sameRules } from '../../api/rbac-aggregation.js';
import { resource } from '../../api/resources.js';
import { StatusError } from '../../api/status-error.js';
import { authenticatedGroup } from '../authn.js';
import { mastersGroup } from '../authz.js';
import { nodesGroup } from '../node-authorizer.js';
import type { Registry } from '../registry.js';
import { uncoveredRules } from './rule-coverage.js';

const autoupdate = 'rbac.authorization.kubernetes.io/autoupdate';
const rbacGroup = resource.clusterRoles.group;
export const controllerManagerUser = 'system:kube-controller-manager';
export const schedulerUser = 'system:kube-scheduler';

const read = ['get', 'list', 'watch'];
const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const readWrite = [...read, ...write];

function rule(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });
const eventsRule = rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

const aggregateTo = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

function clusterRole(
  name: string,
  rules: PolicyRule[],
  extra: { labels?: Record<string, string>; aggregateFrom?: string } = {},
): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...extra.labels },
      annotations: { [autoupdate]: 'true' },
    },
    ...(extra.aggregateFrom
      ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateFrom]: 'true' } }] } }
      : {}),
    rules,
  };
}

export const defaultClusterRoles: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  // The user-facing roles are unions of the aggregate-to-* roles below, and of any role a
  // cluster's owner labels the same way.
  clusterRole('admin', [], { aggregateFrom: aggregateTo('admin') }),
  clusterRole('edit', [], { aggregateFrom: aggregateTo('edit'), labels: { [aggregateTo('admin')]: 'true' } }),
  clusterRole('view', [], { aggregateFrom: aggregateTo('view'), labels: { [aggregateTo('edit')]: 'true' } }),
  clusterRole(
    'system:aggregate-to-admin',
    [
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      rule(readWrite, [rbacGroup], ['rolebindings', 'roles']),
    ],
    { labels: { [aggregateTo('admin')]: 'true' } },
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      rule(
        read,
        [''],
        ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'],
      ),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(write, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(
        write,
        [''],
        [
          'configmaps',
          'events',
          'persistentvolumeclaims',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'secrets',
          'serviceaccounts',
          'services',
          'services/proxy',
        ],
      ),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(
        write,
        ['apps'],
        [
          'daemonsets',
          'deployments',
          'deployments/rollback',
          'deployments/scale',
          'replicasets',
          'replicasets/scale',
          'statefulsets',
          'statefulsets/scale',
        ],
      ),
      rule(write, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(write, ['batch'], ['cronjobs', 'jobs']),
      rule(write, ['policy'], ['poddisruptionbudgets']),
      rule(write, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(readWrite, ['coordination.k8s.io'], ['leases']),
    ],
    { labels: { [aggregateTo('edit')]: 'true' } },
  ),
  // view leaves out Secrets on purpose (kube's too): reading one can mean holding a token
  // with more rights than view.
  clusterRole(
    'system:aggregate-to-view',
    [
      rule(
        read,
        [''],
        [
          'configmaps',
          'endpoints',
          'persistentvolumeclaims',
          'persistentvolumeclaims/status',
          'pods',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/status',
        ],
      ),
      rule(
        read,
        [''],
        [
          'bindings',
          'events',
          'limitranges',
          'namespaces/status',
          'pods/log',
          'pods/status',
          'replicationcontrollers/status',
          'resourcequotas',
          'resourcequotas/status',
        ],
      ),
      rule(read, [''], ['namespaces']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
      rule(
        read,
        ['apps'],
        [
          'controllerrevisions',
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'statefulsets',
          'statefulsets/scale',
          'statefulsets/status',
        ],
      ),
      rule(read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(read, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(read, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ],
    { labels: { [aggregateTo('view')]: 'true' } },
  ),
  // metrics-server installs this role beside its API (kubelab serves metrics.k8s.io itself):
  // whoever may view a namespace may `top` its pods; node usage needs a cluster-wide binding.
  clusterRole('system:aggregated-metrics-reader', [rule(read, ['metrics.k8s.io'], ['pods', 'nodes'])], {
    labels: { [aggregateTo('view')]: 'true', [aggregateTo('edit')]: 'true', [aggregateTo('admin')]: 'true' },
  }),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:discovery', [
    urls(
      ['get'],
      [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/healthz',
        '/livez',
        '/openapi',
        '/openapi/*',
        '/readyz',
        '/version',
        '/version/',
      ],
    ),
  ]),
  clusterRole('system:public-info-viewer', [
    urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
  ]),
  clusterRole('system:auth-delegator', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(read, [''], ['nodes']),
    eventsRule,
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    // Beyond kube's role: kubelab's agent also enforces NetworkPolicies, as a CNI's node agent
    // does, under the same node identity.
    rule(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
  ]),
  // Unbound, as in kube (the node authorizer serves nodes): here for clusters that bind it.
  clusterRole('system:node', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(read, [''], ['services', 'endpoints', 'pods', 'nodes']),
    rule(['create', 'update', 'patch'], [''], ['nodes', 'nodes/status']),
    eventsRule,
    rule(['create', 'delete'], [''], ['pods']),
    rule(['update', 'patch'], [''], ['pods/status']),
    rule(['create'], [''], ['pods/eviction']),
    rule(['get'], [''], ['secrets', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  ]),
  // kubelab's scheduler: informers on pods and nodes, pods/binding to place a pod, a
  // PodScheduled condition through pods/status when it cannot, and Events saying why. Unlike
  // kube's, it also patches pods: its explanation annotation ("why this node?") on a pod it
  // could not place.
  clusterRole(schedulerUser, [
    eventsRule,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
    rule(read, [''], ['nodes', 'services', 'namespaces']),
    rule(['delete', 'patch', ...read], [''], ['pods']),
    rule(['create'], [''], ['bindings', 'pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(read, ['apps'], ['replicasets', 'statefulsets']),
    rule(read, ['policy'], ['poddisruptionbudgets']),
    rule(read, [''], ['persistentvolumeclaims', 'persistentvolumes']),
  ]),
  // kube splits the controller manager into one ServiceAccount per controller; kubelab runs
  // them as one user, so this is their union: the garbage collector and the namespace
  // controller read, patch and delete every kind (kube's generic-garbage-collector and
  // namespace-controller roles hold `*` the same way), the workload controllers create the
  // objects they own and write statuses, and the aggregation controller writes roles' rules.
  clusterRole(controllerManagerUser, [
    eventsRule,
    rule([...read, 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
    rule(
      ['create'],
      [''],
      ['pods', 'endpoints', 'secrets', 'serviceaccounts', 'serviceaccounts/token', 'configmaps'],
    ),
    rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
    rule(['create'], ['batch'], ['jobs']),
    rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(['escalate'], [rbacGroup], ['clusterroles']),
  ]),
];

function binding(role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {
      name: role,
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
      annotations: { [autoupdate]: 'true' },
    },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
    subjects,
  };
}
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: rbacGroup, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: rbacGroup, name });

// kube also binds discovery and public-info-viewer to system:unauthenticated; kubelab
// authenticates every request, so there is no such caller.
export const defaultClusterRoleBindings: ClusterRoleBinding[] = [
  binding('cluster-admin', [group(mastersGroup)]),
  binding('system:discovery', [group(authenticatedGroup)]),
  binding('system:basic-user', [group(authenticatedGroup)]),
  binding('system:public-info-viewer', [group(authenticatedGroup)]),
  // Nodes run the service proxy, so node credentials hold kube-proxy's role.
  binding('system:node-proxier', [user('system:kube-proxy'), group(nodesGroup)]),
  binding(schedulerUser, [user(schedulerUser)]),
  binding(controllerManagerUser, [user(controllerManagerUser)]),
];

/** What a stored default lacks of its default: undefined when it needs no update. */
function reconciledRole(stored: ClusterRole, wanted: ClusterRole): ClusterRole | undefined {
  const missing = wanted.aggregationRule
    ? []
    : (wanted.rules ?? []).filter((r) => uncoveredRules(stored.rules ?? [], [r]).length > 0);
  const labels = { ...wanted.metadata?.labels, ...stored.metadata?.labels };
  const needsLabels = Object.keys(labels).length !== Object.keys(stored.metadata?.labels ?? {}).length;
  const needsAggregation = !!wanted.aggregationRule && !stored.aggregationRule;
  if (missing.length === 0 && !needsLabels && !needsAggregation) return undefined;
  return {
    ...stored,
    metadata: { ...stored.metadata, labels },
    ...(needsAggregation ? { aggregationRule: wanted.aggregationRule } : {}),
    rules: [...(stored.rules ?? []), ...missing],
  };
}

function reconciledBinding(
  stored: ClusterRoleBinding,
  wanted: ClusterRoleBinding,
): ClusterRoleBinding | undefined {
  const have = stored.subjects ?? [];
  const missing = (wanted.subjects ?? []).filter(
    (w) => !have.some((s) => s.kind === w.kind && s.name === w.name),
  );
  return missing.length ? { ...stored, subjects: [...have, ...missing] } : undefined;
}

async function reconcile<T extends ClusterRole | ClusterRoleBinding>(
  registry: Registry,
  r: typeof resource.clusterRoles,
  wanted: T,
  reconciled: (stored: T, wanted: T) => T | undefined,
): Promise<void> {
  const name = wanted.metadata!.name!;
  try {
    await registry.create(r, undefined, wanted);
    return;
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
  }
  const stored = (await registry.get(r, undefined, name)) as unknown as T;
  if (stored.metadata?.annotations?.[autoupdate] === 'false') return;
  const next = reconciled(stored, wanted);
  if (next) await registry.update(r, undefined, name, next);
}

/**
 * The defaults with their aggregated roles' unions computed, to a fixed point: `admin` gathers
 * `edit`, which gathers `view`, so one pass is not enough.
 */
function withAggregates(roles: ClusterRole[]): ClusterRole[] {
  let current = roles;
  for (let pass = 0; pass < roles.length; pass++) {
    let changed = false;
    current = current.map((role) => {
      const rules = aggregatedRules(role, current);
      if (!rules || sameRules(rules, role.rules)) return role;
      changed = true;
      return { ...role, rules };
    });
    if (!changed) break;
  }
  return current;
}

/**
 * Creates or tops up the default policy. Aggregated defaults start with their union already
 * computed, so `view` works before the controller manager's first pass (or without one).
 */
export async function reconcileBootstrapPolicy(registry: Registry): Promise<void> {
  for (const role of withAggregates(defaultClusterRoles))
    await reconcile(registry, resource.clusterRoles, role, reconciledRole);
  for (const b of defaultClusterRoleBindings)
    await reconcile(registry, resource.clusterRoleBindings, b, reconciledBinding);
}
