// The ClusterRole aggregation controller against a real API server holding the default
// policy: `view` gains the rules of a role labelled aggregate-to-view, and `edit` and `admin`
// (which aggregate `view`) follow; removing the label takes them away again.
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterRoleAggregationController } from '../../src/controllers/clusterrole-aggregation-controller.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const crontabs: PolicyRule = {
  verbs: ['get', 'list', 'watch'],
  apiGroups: ['stable.example.com'],
  resources: ['crontabs'],
};
const holds = (role: ClusterRole | undefined) =>
  (role?.rules ?? []).some((r) => r.resources?.includes('crontabs'));

describe('ClusterRole aggregation controller', () => {
  it('keeps view, edit and admin the union of the roles labelled into them', async () => {
    h = await startControllers([clusterRoleAggregationController]);
    const roles = h.api<ClusterRole>('ClusterRole');
    await roles.create({
      metadata: { name: 'crontab-reader', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [crontabs],
    });
    for (const name of ['view', 'edit', 'admin'])
      await until(`${name} to hold the crontab rule`, async () => holds(await roles.get(name)));

    const reader = await roles.get('crontab-reader');
    await roles.update({ ...reader, metadata: { ...reader.metadata, labels: {} } });
    for (const name of ['view', 'edit', 'admin'])
      await until(`${name} to drop the crontab rule`, async () => !holds(await roles.get(name)));

    // A role of one's own aggregates the same way; its own rules are replaced by the union.
    await roles.create({
      metadata: { name: 'team-reader' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'a' } }] },
    });
    await roles.create({ metadata: { name: 'team-crontabs', labels: { team: 'a' } }, rules: [crontabs] });
    await until('team-reader to gather its members', async () => holds(await roles.get('team-reader')));
    await h.settled();
    expect((await roles.get('team-reader')).rules).toEqual([crontabs]);
  });
});
