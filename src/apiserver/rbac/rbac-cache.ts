// The RBAC objects, held in memory for the authorizer: every request is authorized, so reading
// roles and bindings from the store each time would put the store on every request's path.
// Filled like an informer, but from the store itself (the API server is the store's only
// reader): one list at a revision, then a watch from that revision per kind. Changes apply in
// the store's order, a moment after they commit, as kube's RBAC informers do.
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { type ResourceInfo, resource } from '../../api/resources.js';
import type { Store } from '../../store/store.js';
import { objectKey, resourcePrefix } from '../storage-keys.js';

const kinds = [resource.roles, resource.clusterRoles, resource.roleBindings, resource.clusterRoleBindings];

export class RbacCache {
  private readonly objects = new Map<ResourceInfo, Map<string, unknown>>(kinds.map((k) => [k, new Map()]));

  private constructor() {}

  static async start(store: Store): Promise<RbacCache> {
    const cache = new RbacCache();
    const revision = store.currentRevision();
    for (const kind of kinds) {
      const objects = cache.objects.get(kind)!;
      const listed = await store.list(resourcePrefix(kind), { revision });
      for (const kv of listed.items) objects.set(kv.key, JSON.parse(kv.value));
      // Lives as long as the store: closing the store ends it.
      store.watch(resourcePrefix(kind), listed.revision, (e) => {
        if (e.type === 'delete') objects.delete(e.kv.key);
        else objects.set(e.kv.key, JSON.parse(e.kv.value));
      });
    }
    return cache;
  }

  clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    return this.objects.get(resource.clusterRoleBindings)!.values() as Iterable<ClusterRoleBinding>;
  }

  roleBindings(namespace: string): RoleBinding[] {
    const prefix = resourcePrefix(resource.roleBindings, namespace);
    return [...this.objects.get(resource.roleBindings)!.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([, b]) => b as RoleBinding);
  }

  /** A stored role or binding (`r` one of the four RBAC kinds), as of the last event seen. */
  get<T extends Role | ClusterRole | RoleBinding | ClusterRoleBinding>(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    return this.objects.get(r)?.get(objectKey(r, namespace, name)) as T | undefined;
  }
}
