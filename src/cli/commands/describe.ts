// `kubelab describe TYPE [NAME...]`: kubectl's describe, with the object's events and, for a
// Deployment, its ReplicaSets.
import type { Command } from 'commander';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { describe } from '../../api/describe/describe.js';
import type { KubeObject } from '../../api/kube-object.js';
import { resource } from '../../api/resources.js';
import { explanationAnnotation, formatExplanation } from '../../api/scheduling-explanation.js';
import type { ApiClient } from '../../client/rest-client.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { parseTargets } from './get.js';

async function eventsFor(client: ApiClient, obj: KubeObject): Promise<Event[]> {
  const m = obj.metadata ?? {};
  const fieldSelector = [
    `involvedObject.name=${m.name}`,
    `involvedObject.kind=${obj.kind}`,
    m.uid ? `involvedObject.uid=${m.uid}` : '',
  ]
    .filter(Boolean)
    .join(',');
  const list = await client
    .resource<Event>(resource.events, m.namespace ?? 'default')
    .listAll({ fieldSelector });
  // Oldest first, as kubectl prints them; events within one second keep the order they were written.
  const when = (e: Event) =>
    Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
  return list.items.sort(
    (a, b) => when(a) - when(b) || Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion),
  );
}

async function relatedFor(client: ApiClient, obj: KubeObject) {
  if (obj.kind !== 'Deployment') return undefined;
  const rs = await client.resource<ReplicaSet>(resource.replicaSets, obj.metadata?.namespace).listAll();
  return {
    replicaSets: rs.items.filter((r) =>
      r.metadata?.ownerReferences?.some((o) => o.uid === obj.metadata?.uid),
    ),
  };
}

export function registerDescribe(program: Command, globals: () => GlobalOptions): void {
  program
    .command('describe')
    .description('Show details of objects, with their events (kubectl describe)')
    .argument('<target...>', 'TYPE [NAME...] | TYPE/NAME ...')
    .option('-l, --selector <selector>', 'describe objects matching this label selector')
    .option('-A, --all-namespaces', 'across all namespaces')
    .action(async (args: string[], o: { selector?: string; allNamespaces?: boolean }) => {
      const targets = parseTargets(args);
      const { client, namespace } = await connect(globals());
      try {
        const outputs: string[] = [];
        for (const t of targets) {
          const rc = client.resource<KubeObject>(
            t.resource,
            t.resource.namespaced && !o.allNamespaces ? namespace : undefined,
          );
          const objs = t.names.length
            ? await Promise.all(t.names.map((n) => rc.get(n)))
            : (await rc.listAll({ labelSelector: o.selector })).items;
          for (const obj of objs) {
            const [events, related] = await Promise.all([eventsFor(client, obj), relatedFor(client, obj)]);
            const explanation = obj.metadata?.annotations?.[explanationAnnotation];
            outputs.push(
              describe(obj, {
                events,
                now: Date.now(),
                related,
                schedulingExplanation: explanation ? formatExplanation(explanation) : undefined,
              }),
            );
          }
        }
        process.stdout.write(outputs.join('\n\n'));
        if (outputs.length && !outputs.at(-1)!.endsWith('\n')) process.stdout.write('\n');
        if (outputs.length === 0) process.stderr.write(`No resources found in ${namespace} namespace.\n`);
      } finally {
        client.close();
      }
    });
}
