// metrics.k8s.io/v1beta1 (what metrics-server serves, here built into the API server):
// NodeMetrics and PodMetrics from each node agent's GET /stats/summary, fetched on demand as
// the API server itself (kubelet-client.ts; the caller was authorized for metrics before this
// runs and its token is not passed on) and kept for a few seconds so a TUI polling every second and `kubectl top`
// do not make every agent sample again. Nodes that do not answer (down, SIMULATED, still
// taking their first samples) are left out, as metrics-server leaves out nodes it cannot
// scrape; `kubectl top node` then shows them as <unknown>.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import type { CpuStats, MemoryStats, StatsSummary } from '../api/stats-summary.js';
import { statusErrors } from '../api/status-error.js';
import type { Store } from '../store/store.js';
import { writeJson } from './http-io.js';
import { type KubeletClient, type KubeletLocation, kubeletLocation } from './kubelet-client.js';
import { listObjects } from './list-watch.js';

export const metricsGroupVersion = 'metrics.k8s.io/v1beta1';
const cacheTtlMs = 3_000;
const scrapeTimeoutMs = 5_000;

type Usage = { cpu: string; memory: string };

/** Quantities as metrics-server writes them: nanocores and KiB. */
function usage(cpu: CpuStats, memory: MemoryStats): Usage {
  return { cpu: `${cpu.usageNanoCores ?? 0}n`, memory: `${Math.round(memory.workingSetBytes / 1024)}Ki` };
}

function fetchSummary(kubelets: KubeletClient, kubelet: KubeletLocation): Promise<StatsSummary> {
  return new Promise((resolve, reject) => {
    const req = kubelets.request(kubelet, '/stats/summary', { method: 'GET', timeout: scrapeTimeoutMs });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text) as StatsSummary);
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

export class MetricsApi {
  private readonly cache = new Map<string, { atMs: number; summary: Promise<StatsSummary | undefined> }>();

  constructor(
    private readonly store: Store,
    private readonly kubelets: KubeletClient,
    private readonly now: () => number,
  ) {}

  /** Serves GET /apis/metrics.k8s.io/v1beta1/<rest>. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    rest: string[],
    query: URLSearchParams,
  ): Promise<void> {
    if (req.method !== 'GET')
      throw statusErrors.methodNotAllowed(
        `${req.method} is not supported on ${metricsGroupVersion}: metrics are read-only`,
      );
    const selector = new URLSearchParams();
    const labelSelector = query.get('labelSelector');
    if (labelSelector) selector.set('labelSelector', labelSelector);
    const [first, second, third, fourth] = rest;
    if (first === 'nodes' && rest.length <= 2) {
      const nodes = (await listObjects(this.store, resource.nodes, undefined, selector)).items as Node[];
      const chosen = second ? nodes.filter((n) => n.metadata?.name === second) : nodes;
      const items = await this.nodeMetrics(chosen);
      if (second) {
        if (!items[0])
          throw statusErrors.notFound({ group: 'metrics.k8s.io', resource: 'nodes', name: second });
        return writeJson(res, 200, items[0]);
      }
      return writeJson(res, 200, {
        kind: 'NodeMetricsList',
        apiVersion: metricsGroupVersion,
        metadata: {},
        items,
      });
    }
    const namespace = first === 'namespaces' ? second : undefined;
    const podsPart = first === 'namespaces' ? third : first;
    const name = first === 'namespaces' ? fourth : second;
    if (podsPart === 'pods' && rest.length <= (first === 'namespaces' ? 4 : 2)) {
      const items = await this.podMetrics(namespace, selector);
      if (name) {
        const one = items.find((p) => p.metadata.name === name);
        if (!one) throw statusErrors.notFound({ group: 'metrics.k8s.io', resource: 'pods', name });
        return writeJson(res, 200, one);
      }
      return writeJson(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: metricsGroupVersion,
        metadata: {},
        items,
      });
    }
    throw statusErrors.notFound({ group: 'metrics.k8s.io', resource: rest.join('/') });
  }

  private summary(node: Node): Promise<StatsSummary | undefined> {
    const name = node.metadata?.name ?? '';
    const hit = this.cache.get(name);
    const now = this.now();
    if (hit && now - hit.atMs < cacheTtlMs) return hit.summary;
    let kubelet: KubeletLocation;
    try {
      kubelet = kubeletLocation(node, 'usage');
    } catch {
      return Promise.resolve(undefined);
    }
    const summary = fetchSummary(this.kubelets, kubelet).catch(() => undefined);
    this.cache.set(name, { atMs: now, summary });
    return summary;
  }

  private async nodeMetrics(nodes: Node[]) {
    const summaries = await Promise.all(nodes.map((n) => this.summary(n)));
    return nodes.flatMap((n, i) => {
      const s = summaries[i];
      if (!s || s.node.cpu.usageNanoCores === undefined) return [];
      return [
        {
          kind: 'NodeMetrics',
          apiVersion: metricsGroupVersion,
          metadata: {
            name: n.metadata?.name,
            labels: n.metadata?.labels ?? {},
            creationTimestamp: s.node.cpu.time,
          },
          timestamp: s.node.cpu.time,
          window: `${s.windowSeconds}s`,
          usage: usage(s.node.cpu, s.node.memory),
        },
      ];
    });
  }

  private async podMetrics(namespace: string | undefined, selector: URLSearchParams) {
    const pods = (await listObjects(this.store, resource.pods, namespace, selector)).items as Pod[];
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    const nodeNames = new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n));
    const nodes = (
      (await listObjects(this.store, resource.nodes, undefined, new URLSearchParams())).items as Node[]
    ).filter((n) => nodeNames.has(n.metadata?.name ?? ''));
    const summaries = await Promise.all(nodes.map((n) => this.summary(n)));
    return summaries.flatMap((s) =>
      (s?.pods ?? []).flatMap((ps) => {
        const pod = byUid.get(ps.podRef.uid);
        // A pod only counts once every container has a rate (metrics-server's rule).
        if (!pod || ps.containers.some((c) => c.cpu.usageNanoCores === undefined)) return [];
        return [
          {
            kind: 'PodMetrics',
            apiVersion: metricsGroupVersion,
            metadata: {
              name: ps.podRef.name,
              namespace: ps.podRef.namespace,
              labels: pod.metadata?.labels ?? {},
              creationTimestamp: ps.cpu.time,
            },
            timestamp: ps.cpu.time,
            window: `${s?.windowSeconds ?? 0}s`,
            containers: ps.containers.map((c) => ({ name: c.name, usage: usage(c.cpu, c.memory) })),
          },
        ];
      }),
    );
  }
}
