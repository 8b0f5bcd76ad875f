// `kubelab top nodes|pods`: kubectl top. Reads metrics.k8s.io (NodeMetrics, PodMetrics) that the
// API server gathers from the node agents, and prints kubectl's columns: cpu in millicores,
// memory in MiB, and for nodes the share of allocatable. A node without usage (SIMULATED, down,
// just started) shows <unknown>, with a note saying which case it is.
import type { Command } from 'commander';
import type { Node } from 'kubernetes-types/core/v1.js';
import { simulatedNodeLabel } from '../../api/node-labels.js';
import { mebibytesText, milliCpuText, parseQuantity } from '../../api/quantity.js';
import { resource } from '../../api/resources.js';
import { StatusError } from '../../api/status-error.js';
import { tableTabwriter, tabwrite } from '../../api/table/tabwriter.js';
import type { ApiClient } from '../../client/rest-client.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';

const metricsBase = '/apis/metrics.k8s.io/v1beta1';

interface Usage {
  cpu: string;
  memory: string;
}
interface NodeMetrics {
  metadata: { name: string };
  usage: Usage;
}
interface PodMetrics {
  metadata: { name: string; namespace: string };
  containers: { name: string; usage: Usage }[];
}

interface TopFlags {
  selector?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  sortBy?: string;
  headers?: boolean;
}

const milli = (q: string) => parseQuantity(q).milliValue();
const bytes = (q: string) => parseQuantity(q).value();

function sortRows<T>(
  rows: T[],
  sortBy: string | undefined,
  cpu: (r: T) => number,
  mem: (r: T) => number,
): T[] {
  if (!sortBy) return rows;
  if (sortBy !== 'cpu' && sortBy !== 'memory')
    throw new UsageError(`--sort-by accepts only cpu or memory, not "${sortBy}"`);
  const key = sortBy === 'cpu' ? cpu : mem;
  return [...rows].sort((a, b) => key(b) - key(a));
}

async function metricsList<T>(client: ApiClient, path: string, selector?: string): Promise<T[]> {
  try {
    const list = await client.request<{ items: T[] }>('GET', `${metricsBase}${path}`, {
      query: { labelSelector: selector },
    });
    return list.items;
  } catch (e) {
    if (e instanceof StatusError && e.code === 404 && e.details?.group !== 'metrics.k8s.io')
      throw new Error('Metrics API not available');
    throw e;
  }
}

async function topNodes(client: ApiClient, name: string | undefined, o: TopFlags): Promise<string> {
  const metrics = await metricsList<NodeMetrics>(client, '/nodes', o.selector);
  const nodesApi = client.resource<Node>(resource.nodes);
  const nodes = name
    ? [await nodesApi.get(name)]
    : (await nodesApi.listAll({ labelSelector: o.selector })).items;
  const byName = new Map(metrics.map((m) => [m.metadata.name, m]));
  const measured = nodes.filter((n) => byName.has(n.metadata?.name ?? ''));
  const missing = nodes.filter((n) => !byName.has(n.metadata?.name ?? ''));
  const rows = sortRows(
    measured.map((n) => {
      const m = byName.get(n.metadata?.name ?? '')!;
      const alloc = n.status?.allocatable ?? {};
      const cpu = milli(m.usage.cpu);
      const mem = bytes(m.usage.memory);
      const cpuPct = alloc.cpu ? Math.floor((cpu / milli(alloc.cpu)) * 100) : 0;
      const memPct = alloc.memory ? Math.floor((mem / bytes(alloc.memory)) * 100) : 0;
      return { name: n.metadata?.name ?? '', cpu, mem, cpuPct, memPct };
    }),
    o.sortBy,
    (r) => r.cpu,
    (r) => r.mem,
  );
  const lines = o.headers === false ? [] : ['NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)'];
  for (const r of rows)
    lines.push(`${r.name}\t${milliCpuText(r.cpu)}\t${r.cpuPct}%\t${mebibytesText(r.mem)}\t${r.memPct}%`);
  for (const n of missing) lines.push(`${n.metadata?.name}\t<unknown>\t<unknown>\t<unknown>\t<unknown>`);
  let out = tabwrite(`${lines.join('\n')}\n`, tableTabwriter);
  const simulated = missing.filter((n) => n.metadata?.labels?.[simulatedNodeLabel] === 'true');
  if (simulated.length)
    out += `\n${simulated.map((n) => n.metadata?.name).join(', ')}: SIMULATED (no real processes, so no usage)\n`;
  if (missing.length > simulated.length)
    out +=
      '\nnodes shown as <unknown> have not reported usage yet (an agent samples every 5 s) or cannot be reached\n';
  return out;
}

async function topPods(
  client: ApiClient,
  namespace: string,
  name: string | undefined,
  o: TopFlags,
): Promise<string> {
  const path = o.allNamespaces ? '/pods' : `/namespaces/${encodeURIComponent(namespace)}/pods`;
  let metrics = await metricsList<PodMetrics>(client, path, o.selector);
  if (name) metrics = metrics.filter((m) => m.metadata.name === name);
  if (metrics.length === 0) {
    if (name)
      throw new Error(
        `pod ${name} has no metrics yet (is it running on a real node? try again in a few seconds)`,
      );
    throw new Error(
      `no metrics for pods in ${o.allNamespaces ? 'any namespace' : `namespace ${namespace}`} yet`,
    );
  }
  const ns = o.allNamespaces ? 'NAMESPACE\t' : '';
  const lines: string[] = [];
  if (o.containers) {
    const rows = sortRows(
      metrics.flatMap((m) =>
        m.containers.map((c) => ({ m, c, cpu: milli(c.usage.cpu), mem: bytes(c.usage.memory) })),
      ),
      o.sortBy,
      (r) => r.cpu,
      (r) => r.mem,
    );
    if (!o.headers === false) lines.push(`${ns}POD\tNAME\tCPU(cores)\tMEMORY(bytes)`);
    for (const r of rows)
      lines.push(
        `${o.allNamespaces ? `${r.m.metadata.namespace}\t` : ''}${r.m.metadata.name}\t${r.c.name}\t${milliCpuText(r.cpu)}\t${mebibytesText(r.mem)}`,
      );
  } else {
    const rows = sortRows(
      metrics.map((m) => ({
        m,
        cpu: m.containers.reduce((a, c) => a + milli(c.usage.cpu), 0),
        mem: m.containers.reduce((a, c) => a + bytes(c.usage.memory), 0),
      })),
      o.sortBy,
      (r) => r.cpu,
      (r) => r.mem,
    );
    if (!o.headers === false) lines.push(`${ns}NAME\tCPU(cores)\tMEMORY(bytes)`);
    for (const r of rows)
      lines.push(
        `${o.allNamespaces ? `${r.m.metadata.namespace}\t` : ''}${r.m.metadata.name}\t${milliCpuText(r.cpu)}\t${mebibytesText(r.mem)}`,
      );
  }
  return tabwrite(`${lines.join('\n')}\n`, tableTabwriter);
}

export function registerTop(program: Command, globals: () => GlobalOptions): void {
  program
    .command('top')
    .description('Show cpu and memory use of nodes or pods (kubectl top)')
    .argument('<what>', 'nodes (node, no) or pods (pod, po)')
    .argument('[name]', 'one node or pod')
    .option('-l, --selector <selector>', 'label selector')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .option('--containers', 'one line per container')
    .option('--sort-by <field>', 'cpu or memory (highest first)')
    .option('--no-headers', 'leave out the header line')
    .action(async (what: string, name: string | undefined, o: TopFlags) => {
      const { client, namespace } = await connect(globals());
      try {
        if (['nodes', 'node', 'no'].includes(what)) process.stdout.write(await topNodes(client, name, o));
        else if (['pods', 'pod', 'po'].includes(what))
          process.stdout.write(await topPods(client, namespace, name, o));
        else throw new UsageError(`top: unknown resource "${what}" (use nodes or pods)`);
      } finally {
        client.close();
      }
    });
}
