// ClusterRole aggregation (kube's pkg/controller/clusterroleaggregation): keeps every
// ClusterRole that has an aggregationRule holding the union of the rules of the ClusterRoles
// its selectors match (rbac-aggregation.ts decides). Any ClusterRole change can change any
// union (a label added, a rule removed, a role deleted), so every aggregated role is queued on
// each change; the write happens only when the union differs. Writing a role's rules is an
// RBAC escalation, which is why the controller manager's role holds `escalate` on clusterroles.
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { aggregatedRules, sameRules } from '../api/rbac-aggregation.js';
import { resource } from '../api/resources.js';
import { Controller, type Reconciler } from '../client/controller.js';
import type { Informer } from '../client/informer.js';
import { objectKey } from '../client/object-key.js';
import type { ControllerContext, ControllerFactory } from './context.js';

export const clusterRoleAggregationController: ControllerFactory = (ctx) => {
  const roles = ctx.informers.informerFor<ClusterRole>(resource.clusterRoles);
  const controller = new Controller(
    { name: 'clusterrole-aggregation', clock: ctx.clock },
    new ClusterRoleAggregationController(ctx, roles),
  );
  controller.watch(roles, () =>
    roles
      .list()
      .filter((r) => r.aggregationRule)
      .map(objectKey),
  );
  return controller;
};

export class ClusterRoleAggregationController implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly roles: Informer<ClusterRole>,
  ) {}

  async reconcile(key: string): Promise<void> {
    const role = this.roles.get(key);
    const rules = role && aggregatedRules(role, this.roles.list());
    if (!role || !rules || sameRules(rules, role.rules)) return;
    await this.writeRules(role, rules);
  }

  /** An update at the cached resourceVersion: a conflict means a newer role, and a retry. */
  private async writeRules(role: ClusterRole, rules: ClusterRole['rules']): Promise<void> {
    await this.ctx.client.resource<ClusterRole>(resource.clusterRoles).update({ ...role, rules });
  }
}
