// The resource catalogue: every kind kubelab serves, with the REST names Kubernetes uses for
// it. Discovery, routing, the CLI's `kubelab get deploy` short names and the store's key
// layout all read this one table, so adding a kind is one row here plus its rules.

export interface ResourceInfo {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  namespaced: boolean;
  subresources: readonly ('status' | 'scale' | 'binding' | 'eviction' | 'log' | 'exec' | 'token')[];
  /** kubectl's `get all` includes resources in the `all` category. */
  categories: readonly string[];
  /**
   * Create-only and never stored (kube's reviews: SelfSubjectAccessReview, TokenReview): a
   * create is answered by computing the object's status; no other verb is served.
   */
  virtual: boolean;
}

type Row = Omit<ResourceInfo, 'listKind' | 'singular' | 'categories' | 'virtual'> & {
  categories?: readonly string[];
};

const rows: Row[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    shortNames: ['ns'],
    namespaced: false,
    subresources: ['status'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    shortNames: ['no'],
    namespaced: false,
    subresources: ['status'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    shortNames: ['po'],
    namespaced: true,
    subresources: ['status', 'binding', 'eviction', 'log', 'exec'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    shortNames: ['svc'],
    namespaced: true,
    subresources: ['status'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    shortNames: ['ep'],
    namespaced: true,
    subresources: [],
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    shortNames: ['cm'],
    namespaced: true,
    subresources: [],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    shortNames: [],
    namespaced: true,
    subresources: [],
  },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    shortNames: ['sa'],
    namespaced: true,
    subresources: ['token'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    shortNames: ['ev'],
    namespaced: true,
    subresources: [],
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    shortNames: [],
    namespaced: true,
    subresources: [],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    shortNames: ['deploy'],
    namespaced: true,
    subresources: ['status', 'scale'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    shortNames: ['rs'],
    namespaced: true,
    subresources: ['status', 'scale'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    shortNames: ['ds'],
    namespaced: true,
    subresources: ['status'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    shortNames: ['sts'],
    namespaced: true,
    subresources: ['status', 'scale'],
    categories: ['all'],
  },
  {
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    shortNames: [],
    namespaced: true,
    subresources: ['status'],
    categories: ['all'],
  },
  {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    shortNames: ['cj'],
    namespaced: true,
    subresources: ['status'],
    categories: ['all'],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    shortNames: ['ing'],
    namespaced: true,
    subresources: ['status'],
  },
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    shortNames: ['hpa'],
    namespaced: true,
    subresources: ['status'],
    categories: ['all'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    shortNames: [],
    namespaced: true,
    subresources: [],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    shortNames: [],
    namespaced: false,
    subresources: [],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    shortNames: [],
    namespaced: true,
    subresources: [],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    shortNames: [],
    namespaced: false,
    subresources: [],
  },
];

/** The virtual kinds: asked, never stored (see ResourceInfo.virtual). */
const virtualRows: Row[] = [
  ...[
    'SelfSubjectAccessReview',
    'SelfSubjectRulesReview',
    'SubjectAccessReview',
    'LocalSubjectAccessReview',
  ].map((kind) => ({
    group: 'authorization.k8s.io',
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    shortNames: [],
    namespaced: kind === 'LocalSubjectAccessReview',
    subresources: [],
  })),
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenReview',
    plural: 'tokenreviews',
    shortNames: [],
    namespaced: false,
    subresources: [],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    shortNames: [],
    namespaced: false,
    subresources: [],
  },
];

function info(r: Row, virtual: boolean): ResourceInfo {
  return {
    ...r,
    listKind: `${r.kind}List`,
    singular: r.kind.toLowerCase(),
    categories: r.categories ?? [],
    virtual,
  };
}

/** The stored kinds: what controllers, the CLI and the TUI list, watch and delete. */
export const resources: readonly ResourceInfo[] = rows.map((r) => info(r, false));
export const virtualResources: readonly ResourceInfo[] = virtualRows.map((r) => info(r, true));
/** Everything the REST API and discovery serve. */
export const servedResources: readonly ResourceInfo[] = [...resources, ...virtualResources];

/** The catalogue row of a kind kubelab serves; a missing row is a programming error. */
function catalogued(kind: string): ResourceInfo {
  const r = servedResources.find((x) => x.kind === kind);
  if (!r) throw new Error(`the resource catalogue has no ${kind}`);
  return r;
}

/** Typed handles on the catalogue's rows, for code that names the kind it works on (`resource.pods`). */
export const resource = {
  namespaces: catalogued('Namespace'),
  nodes: catalogued('Node'),
  pods: catalogued('Pod'),
  services: catalogued('Service'),
  endpoints: catalogued('Endpoints'),
  configMaps: catalogued('ConfigMap'),
  secrets: catalogued('Secret'),
  serviceAccounts: catalogued('ServiceAccount'),
  events: catalogued('Event'),
  leases: catalogued('Lease'),
  deployments: catalogued('Deployment'),
  replicaSets: catalogued('ReplicaSet'),
  daemonSets: catalogued('DaemonSet'),
  statefulSets: catalogued('StatefulSet'),
  jobs: catalogued('Job'),
  cronJobs: catalogued('CronJob'),
  ingresses: catalogued('Ingress'),
  horizontalPodAutoscalers: catalogued('HorizontalPodAutoscaler'),
  roles: catalogued('Role'),
  clusterRoles: catalogued('ClusterRole'),
  roleBindings: catalogued('RoleBinding'),
  clusterRoleBindings: catalogued('ClusterRoleBinding'),
  selfSubjectAccessReviews: catalogued('SelfSubjectAccessReview'),
  selfSubjectRulesReviews: catalogued('SelfSubjectRulesReview'),
  subjectAccessReviews: catalogued('SubjectAccessReview'),
  localSubjectAccessReviews: catalogued('LocalSubjectAccessReview'),
  selfSubjectReviews: catalogued('SelfSubjectReview'),
  tokenReviews: catalogued('TokenReview'),
} as const;

export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** "pod", "deployment.apps": the prefix kubectl writes before a name (`-o name`, `get all`, apply's output). */
export function kindPrefix(r: Pick<ResourceInfo, 'kind' | 'group'>): string {
  return (r.group ? `${r.kind}.${r.group}` : r.kind).toLowerCase();
}

export function resourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion);
}

export function resourceByPlural(group: string, version: string, plural: string): ResourceInfo | undefined {
  return servedResources.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/**
 * Resolves what a person types after `get`/`describe`/`delete`: `pods`, `pod`, `po`,
 * `deployments.apps`, `deploy`, `Deployment`. Returns undefined when nothing matches.
 */
export function resolveResourceName(typed: string): ResourceInfo | undefined {
  const lower = typed.toLowerCase();
  const dot = lower.indexOf('.');
  const name = dot >= 0 ? lower.slice(0, dot) : lower;
  const group = dot >= 0 ? lower.slice(dot + 1) : undefined;
  return resources.find(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.plural === name || r.singular === name || r.shortNames.includes(name)),
  );
}
