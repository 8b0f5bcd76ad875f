// An RBAC authorizer over a real in-memory SQLite store holding the default policy, for unit
// tests of authorization decisions without a server. Namespaces `a` and `b` exist.
import { profiles } from '../../src/api/profiles.js';
import { resource } from '../../src/api/resources.js';
import { reconcileBootstrapPolicy } from '../../src/apiserver/rbac/bootstrap-policy.js';
import { RbacAuthorizer } from '../../src/apiserver/rbac/rbac-authorizer.js';
import { RbacCache } from '../../src/apiserver/rbac/rbac-cache.js';
import { Registry } from '../../src/apiserver/registry.js';
import { SqliteStore } from '../../src/store/sqlite.js';

export async function rbacFixture() {
  const store = SqliteStore.open(':memory:');
  const registry = new Registry(store, () => Date.now(), profiles.lab, { serviceAccount: false });
  for (const name of ['a', 'b'])
    await registry.create(resource.namespaces, undefined, { metadata: { name } });
  await reconcileBootstrapPolicy(registry);
  const cache = await RbacCache.start(store);
  const rbac = new RbacAuthorizer(cache);
  /** Lets the cache's watch deliver what was just written. */
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return {
    store,
    registry,
    rbac,
    settle,
    /** Binds a user to a ClusterRole, in a namespace (RoleBinding) or cluster-wide. */
    async bind(user: string, role: string, namespace?: string) {
      const r = namespace ? resource.roleBindings : resource.clusterRoleBindings;
      await registry.create(r, namespace, {
        metadata: { name: `${user}-${role}`, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'User', name: user }],
      });
      await settle();
    },
    close: () => store.close(),
  };
}
