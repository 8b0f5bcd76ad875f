// Node usage from metrics.k8s.io (what `kubelab top nodes` reads): cpu in millicores and
// memory in bytes per node. A server without the API, or one that refuses this user, gives
// "not available" with the reason, and the gauges then show requests only.
import { parseQuantity } from '../../api/quantity.js';
import { StatusError } from '../../api/status-error.js';
import type { ApiClient } from '../../client/rest-client.js';
import type { NodeMetricsState, ResourceAmounts } from './cluster-snapshot.js';

export const nodeMetricsPath = '/apis/metrics.k8s.io/v1beta1/nodes';

interface NodeMetricsList {
  items?: { metadata?: { name?: string }; usage?: { cpu?: string; memory?: string } }[];
}

export async function fetchNodeMetrics(
  client: ApiClient,
  now: () => number,
  signal: AbortSignal,
): Promise<NodeMetricsState> {
  try {
    const list = await client.request<NodeMetricsList>('GET', nodeMetricsPath, { signal, timeoutMs: 10_000 });
    const nodes = new Map<string, ResourceAmounts>();
    for (const item of list.items ?? []) {
      const name = item.metadata?.name;
      if (!name || !item.usage?.cpu || !item.usage.memory) continue;
      nodes.set(name, {
        milliCpu: parseQuantity(item.usage.cpu).milliValue(),
        memory: parseQuantity(item.usage.memory).value(),
      });
    }
    return { available: true, at: now(), nodes };
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 403))
      return { available: false, reason: `metrics.k8s.io: ${e.message}` };
    throw e;
  }
}
