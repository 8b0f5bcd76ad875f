// kube's RBAC authorizer over the in-memory cache (rbac-cache.ts): the rules a user holds are
// those of every ClusterRoleBinding naming them, plus, in a namespace, those of the
// RoleBindings there (a RoleBinding to a ClusterRole grants its rules in that namespace only).
// A request is allowed when any held rule allows it; RBAC only ever adds permissions.
// The same rules guard RBAC's own writes (escalation prevention): writing a role that grants
// rules the writer does not hold needs `escalate`, binding one needs `bind`, as in kube.
import type { ClusterRole, PolicyRule, Role, RoleBinding, RoleRef } from 'kubernetes-types/rbac/v1.js';
import { resource } from '../../api/resources.js';
import { StatusError, statusErrors } from '../../api/status-error.js';
import type { UserInfo } from '../authn.js';
import { mastersGroup } from '../authz.js';
import type { ResourceRequest } from '../request-info.js';
import type { RbacCache } from './rbac-cache.js';
import { compactRule, uncoveredRules } from './rule-coverage.js';
import { type RequestAttributes, ruleAllows, subjectMatches } from './rule-match.js';

const rbacGroup = resource.roles.group;
const clusterAdminRules: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }];

type RbacObject = Partial<Role & ClusterRole & RoleBinding>;

/** Whether two versions of a role or binding grant the same (JSON of the granting fields). */
function sameGrant(a: RbacObject, b: RbacObject): boolean {
  const grant = (o: RbacObject) =>
    JSON.stringify([o.rules ?? [], o.aggregationRule ?? null, o.roleRef ?? null, o.subjects ?? []]);
  return grant(a) === grant(b);
}

export class RbacAuthorizer {
  constructor(private readonly cache: RbacCache) {}

  /** The rules a binding's roleRef names; undefined when that role does not exist (yet). */
  private roleRules(ref: RoleRef, namespace?: string): PolicyRule[] | undefined {
    const role =
      ref.kind === 'ClusterRole'
        ? this.cache.get<ClusterRole>(resource.clusterRoles, undefined, ref.name)
        : this.cache.get<Role>(resource.roles, namespace, ref.name);
    return role ? (role.rules ?? []) : undefined;
  }

  /** Every rule the user holds at cluster scope and, given a namespace, in it (kube's VisitRulesFor). */
  rulesFor(user: UserInfo, namespace?: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const b of this.cache.clusterRoleBindings())
      if ((b.subjects ?? []).some((s) => subjectMatches(s, user)))
        rules.push(...(this.roleRules(b.roleRef) ?? []));
    if (namespace)
      for (const b of this.cache.roleBindings(namespace))
        if ((b.subjects ?? []).some((s) => subjectMatches(s, user, namespace)))
          rules.push(...(this.roleRules(b.roleRef, namespace) ?? []));
    return rules;
  }

  allows(user: UserInfo, attrs: RequestAttributes): boolean {
    const namespace = attrs.kind === 'resource' ? attrs.namespace : undefined;
    return this.rulesFor(user, namespace).some((r) => ruleAllows(r, attrs));
  }

  /**
   * kube's RBAC storage checks: throws Forbidden when the user would grant, through this role
   * or binding, a permission they do not hold themselves and lack `escalate` (roles) or
   * `bind` (bindings) on it. system:masters may grant anything. Unlike kube, an update that
   * leaves what is granted as stored (rules and aggregationRule; roleRef and subjects) is not
   * checked: it grants nothing new, and so the garbage collector may edit the owner references
   * of roles granting more than the controller manager holds.
   */
  checkWrite(user: UserInfo, info: ResourceRequest, written: unknown): void {
    const r = info.resource;
    if (r.group !== rbacGroup || user.groups.includes(mastersGroup)) return;
    const { namespace } = info;
    const object = (written ?? {}) as RbacObject;
    const name = object.metadata?.name ?? info.name ?? '';
    const stored = this.cache.get<Role & RoleBinding>(r, namespace, name) as RbacObject | undefined;
    if (stored && sameGrant(stored, object)) return;
    const plural = r.plural;
    const isRole = r === resource.roles || r === resource.clusterRoles;
    const refused = (why: string) =>
      new StatusError(403, 'Forbidden', `${plural}.${rbacGroup} "${name}" is forbidden: ${why}`, {
        name,
        group: rbacGroup,
        kind: plural,
      });
    let granted: PolicyRule[];
    if (isRole) {
      const attrs = {
        kind: 'resource',
        verb: 'escalate',
        apiGroup: rbacGroup,
        resource: plural,
        namespace,
        name,
      } as const;
      if (this.allows(user, attrs)) return;
      // An aggregated role's rules are whatever its selectors gather later, so only someone
      // who could write any rule may set one.
      if (object.aggregationRule && uncoveredRules(this.rulesFor(user), clusterAdminRules).length > 0)
        throw refused('must have cluster-admin privileges to use the aggregationRule');
      granted = object.rules ?? [];
    } else {
      const ref = object.roleRef;
      if (!ref) return; // validation reports the missing roleRef
      const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      const attrs = {
        kind: 'resource',
        verb: 'bind',
        apiGroup: rbacGroup,
        resource: roleResource,
        namespace,
        name: ref.name,
      } as const;
      if (this.allows(user, attrs)) return;
      const rules = this.roleRules(ref, namespace);
      if (!rules) throw statusErrors.notFound({ group: rbacGroup, resource: roleResource, name: ref.name });
      granted = rules;
    }
    const missing = uncoveredRules(this.rulesFor(user, namespace), granted);
    if (missing.length === 0) return;
    const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    throw refused(
      `user ${JSON.stringify(user.name)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRule).join('\n')}`,
    );
  }
}
