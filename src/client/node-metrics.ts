// Node usage from metrics.k8s.io (what `kubelab top nodes` reads): cpu in millicores and
// memory in bytes per node. A server without the API, or one that refuses this user, gives
// "not available" with the reason, so a screen can say why instead of failing. Shared by the
// TUI's gauges and the dashboard's charts.
import { parseQuantity } from '../api/quantity.js';
import { StatusError } from '../api/status-error.js';
import type { ApiClient } from './rest-client.js';

export const nodeMetricsPath = '/apis/metrics.k8s.io/v1beta1/nodes';

export interface ResourceAmounts {
  milliCpu: number;
  memory: number;
}

/** metrics.k8s.io node usage; `available: false` when the server does not serve it or refuses us. */
export type NodeMetricsState =
  | { available: true; at: number; nodes: ReadonlyMap<string, ResourceAmounts> }
  | { available: false; reason: string };

interface NodeMetricsList {
  items?: { metadata?: { name?: string }; usage?: { cpu?: string; memory?: string } }[];
}

/**
 * One read of every node's usage. Nodes the server could not scrape (SIMULATED, down, not
 * sampled yet) are simply absent from `nodes`, as metrics-server leaves them out. Any other
 * failure (unreachable, timed out) is thrown: callers treat it as a connection problem.
 */
export async function fetchNodeMetrics(
  client: ApiClient,
  now: () => number,
  signal: AbortSignal,
  timeoutMs = 10_000,
): Promise<NodeMetricsState> {
  try {
    const list = await client.request<NodeMetricsList>('GET', nodeMetricsPath, { signal, timeoutMs });
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
