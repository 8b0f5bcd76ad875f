// Which strategy serves which resource: one row per row of the resource catalogue
// (src/api/resources.ts). A kind with special behaviour gets its own strategy file; a plain
// kind gets defaultStrategy, which reads its rules from src/api/kind-rules.ts.
import { type ResourceInfo, resource } from '../../api/resources.js';
import { defaultStrategy } from './default-strategy.js';
import { namespaceStrategy } from './namespace-strategy.js';
import { nodeStrategy } from './node-strategy.js';
import { podStrategy } from './pod-strategy.js';
import { serviceStrategy } from './service-strategy.js';
import type { ResourceStrategy } from './strategy.js';
import { upsertStrategy } from './upsert-strategy.js';

const rows: [ResourceInfo, (r: ResourceInfo) => ResourceStrategy][] = [
  [resource.namespaces, namespaceStrategy],
  [resource.nodes, nodeStrategy],
  [resource.pods, podStrategy],
  [resource.services, serviceStrategy],
  [resource.endpoints, upsertStrategy],
  [resource.configMaps, defaultStrategy],
  [resource.secrets, defaultStrategy],
  [resource.serviceAccounts, defaultStrategy],
  [resource.events, upsertStrategy],
  [resource.leases, upsertStrategy],
  [resource.deployments, defaultStrategy],
  [resource.replicaSets, defaultStrategy],
  [resource.daemonSets, defaultStrategy],
  [resource.statefulSets, defaultStrategy],
  [resource.jobs, defaultStrategy],
  [resource.cronJobs, defaultStrategy],
  [resource.ingresses, defaultStrategy],
  [resource.horizontalPodAutoscalers, defaultStrategy],
  [resource.roles, defaultStrategy],
  [resource.clusterRoles, defaultStrategy],
  [resource.roleBindings, defaultStrategy],
  [resource.clusterRoleBindings, defaultStrategy],
];

const strategies = new Map(rows.map(([r, make]) => [r, make(r)]));

export function strategyFor(r: ResourceInfo): ResourceStrategy {
  const strategy = strategies.get(r);
  if (!strategy)
    throw new Error(
      `${r.plural} has no strategy: add a row to src/apiserver/strategies/strategy-catalogue.ts`,
    );
  return strategy;
}
