// Node administration, as kubectl does it: `cordon`, `uncordon`, `drain` (cordon, then evict
// every pod except DaemonSet-managed ones through pods/eviction and wait until they are gone)
// and `taint`.
import type { Command } from 'commander';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { resource } from '../../api/resources.js';
import { StatusError } from '../../api/status-error.js';
import {
  drainPlan,
  evictPod,
  podRef,
  podsOnNode,
  setNodeUnschedulable,
  unmanagedPodsError,
} from '../../client/node-drain.js';
import type { ApiClient } from '../../client/rest-client.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';

function nodeName(arg: string): string {
  const m = /^(?:(?:nodes?|no)\/)?([^/]+)$/.exec(arg);
  if (!m) throw new UsageError(`expected a node name, got "${arg}"`);
  return m[1]!;
}

async function setUnschedulable(client: ApiClient, name: string, unschedulable: boolean): Promise<string> {
  const word = unschedulable ? 'cordoned' : 'uncordoned';
  const changed = await setNodeUnschedulable(client, name, unschedulable);
  return changed ? `node/${name} ${word}` : `node/${name} already ${word}`;
}

async function drain(
  client: ApiClient,
  name: string,
  o: { force?: boolean; gracePeriod: string; timeout: string },
): Promise<void> {
  process.stdout.write(`${await setUnschedulable(client, name, true)}\n`);
  const plan = drainPlan(await podsOnNode(client, name));
  if (plan.unmanaged.length && !o.force) throw unmanagedPodsError(name, plan.unmanaged);
  if (plan.daemonSetPods.length) {
    process.stderr.write(
      `Warning: ignoring DaemonSet-managed Pods: ${plan.daemonSetPods.map(podRef).join(', ')}\n`,
    );
  }
  const victims = plan.evict;
  const grace = Number(o.gracePeriod);
  await Promise.all(
    victims.map(async (pod) => {
      process.stdout.write(`evicting pod ${podRef(pod)}\n`);
      await evictPod(client, pod, grace);
    }),
  );
  const deadline = Date.now() + (Number(o.timeout) > 0 ? Number(o.timeout) * 1000 : Number.POSITIVE_INFINITY);
  const pending = new Map(
    victims.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p.metadata?.uid]),
  );
  while (pending.size > 0) {
    for (const [key, uid] of pending) {
      const [ns, pod] = key.split('/') as [string, string];
      try {
        const current = await client.resource<Pod>(resource.pods, ns).get(pod);
        if (current.metadata?.uid !== uid) throw new StatusError(404, 'NotFound', 'replaced');
      } catch (e) {
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
        pending.delete(key);
        process.stdout.write(`pod/${pod} evicted\n`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      throw new Error(
        `drain did not complete within ${o.timeout}s; still terminating: ${[...pending.keys()].join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stdout.write(`node/${name} drained\n`);
}

/** Parses kubectl taint arguments: `key=value:Effect`, `key:Effect`, `key:Effect-`, `key-`. */
export function parseTaintArgs(args: string[]): { add: Taint[]; remove: { key: string; effect?: string }[] } {
  const add: Taint[] = [];
  const remove: { key: string; effect?: string }[] = [];
  const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  for (const a of args) {
    if (a.endsWith('-')) {
      const [key, effect] = a.slice(0, -1).split(':') as [string, string | undefined];
      if (effect !== undefined && !effects.includes(effect))
        throw new UsageError(`invalid taint effect "${effect}": use ${effects.join(', ')}`);
      remove.push({ key, effect });
      continue;
    }
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(a);
    if (!m)
      throw new UsageError(
        `invalid taint spec "${a}": use key=value:Effect, key:Effect, or key[:Effect]- to remove`,
      );
    if (!effects.includes(m[3]!))
      throw new UsageError(`invalid taint effect "${m[3]}": use ${effects.join(', ')}`);
    add.push({ key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as Taint['effect'] });
  }
  return { add, remove };
}

export function registerNodeAdmin(program: Command, globals: () => GlobalOptions): void {
  for (const [command, unschedulable] of [
    ['cordon', true],
    ['uncordon', false],
  ] as const) {
    program
      .command(command)
      .description(unschedulable ? 'Mark a node unschedulable' : 'Mark a node schedulable again')
      .argument('<node>')
      .action(async (node: string) => {
        const { client } = await connect(globals());
        try {
          process.stdout.write(`${await setUnschedulable(client, nodeName(node), unschedulable)}\n`);
        } finally {
          client.close();
        }
      });
  }

  program
    .command('drain')
    .description('Cordon a node and evict its pods (DaemonSet pods stay)')
    .argument('<node>')
    .option('--force', 'also delete pods that no controller will recreate')
    .option(
      '--ignore-daemonsets',
      'accepted for kubectl compatibility; DaemonSet pods are always left in place',
    )
    .option('--delete-emptydir-data', 'accepted for kubectl compatibility')
    .option('--grace-period <seconds>', 'grace period for each pod (-1: the pod’s own)', '-1')
    .option('--timeout <seconds>', 'give up after this long (0: wait forever)', '0')
    .action(async (node: string, o: { force?: boolean; gracePeriod: string; timeout: string }) => {
      const { client } = await connect(globals());
      try {
        await drain(client, nodeName(node), o);
      } finally {
        client.close();
      }
    });

  program
    .command('taint')
    .description('Add or remove node taints: kubelab taint nodes NODE key=value:Effect | key:Effect-')
    .argument('<type>', 'nodes')
    .argument('<node>')
    .argument('<taints...>')
    .option('--overwrite', 'replace an existing taint with the same key and effect')
    .action(async (type: string, node: string, specs: string[], o: { overwrite?: boolean }) => {
      if (!['nodes', 'node', 'no'].includes(type))
        throw new UsageError(`taint applies to nodes, not "${type}"`);
      const { add, remove } = parseTaintArgs(specs);
      const name = nodeName(node);
      const { client } = await connect(globals());
      try {
        const nodes = client.resource<Node>(resource.nodes);
        const current = await nodes.get(name);
        let taints = [...(current.spec?.taints ?? [])];
        for (const r of remove) {
          const before = taints.length;
          taints = taints.filter(
            (t) => !(t.key === r.key && (r.effect === undefined || t.effect === r.effect)),
          );
          if (taints.length === before)
            throw new Error(`taint "${r.key}${r.effect ? `:${r.effect}` : ''}" not found`);
        }
        for (const t of add) {
          const at = taints.findIndex((x) => x.key === t.key && x.effect === t.effect);
          if (at >= 0 && !o.overwrite)
            throw new Error(
              `node ${name} already has ${t.key} taint(s) with same effect(s) and --overwrite is false`,
            );
          if (at >= 0) taints[at] = t;
          else taints.push(t);
        }
        await nodes.patch(
          name,
          { metadata: { resourceVersion: current.metadata?.resourceVersion }, spec: { taints } },
          'merge',
        );
        process.stdout.write(`node/${name} ${add.length ? 'tainted' : 'untainted'}\n`);
      } finally {
        client.close();
      }
    });
}
