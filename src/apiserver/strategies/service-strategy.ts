// Services: a ClusterIP is allocated once, on create (service-ips.ts), and an update that
// leaves it out keeps it, as kube's service REST does.
import type { ResourceInfo } from '../../api/resources.js';
import type { ApiObject } from '../object-meta.js';
import { allocateClusterIP } from '../service-ips.js';
import { defaultStrategy } from './default-strategy.js';
import type { ResourceStrategy } from './strategy.js';

export function serviceStrategy(r: ResourceInfo): ResourceStrategy {
  return {
    ...defaultStrategy(r),
    prepareForUpdate: keepClusterIP,
    allocate: (service, ctx) => allocateClusterIP(ctx.store, service),
  };
}

function keepClusterIP(next: ApiObject, old: ApiObject): void {
  const oldSpec = old.spec as { clusterIP?: string; clusterIPs?: string[] } | undefined;
  const spec = next.spec as { clusterIP?: string; clusterIPs?: string[] } | undefined;
  if (!spec || !oldSpec?.clusterIP) return;
  if (!spec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
  if (!spec.clusterIPs?.length && oldSpec.clusterIPs) spec.clusterIPs = oldSpec.clusterIPs;
}
