// Which pod and container a kubectl-style command means (logs, exec): POD, or TYPE/NAME
// (deploy/web, sts/db, ...) for the first pod of that workload's selector; without -c the
// default-container annotation, else the first container — kubectl's choices.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import { labelSelectorToString } from '../api/labels.js';
import { resolveResourceName, resource } from '../api/resources.js';
import type { ApiClient } from '../client/rest-client.js';
import { UsageError } from './usage-error.js';

const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';

/** The pod a POD or TYPE/NAME argument means: for a workload, a running pod of its selector, the oldest first. */
export async function podOfTarget(
  client: ApiClient,
  namespace: string,
  target: string,
  verb: string,
  usage: string,
): Promise<string> {
  if (!target.includes('/')) return target;
  const [type = '', name = ''] = target.split('/', 2);
  const r = resolveResourceName(type);
  if (!r || !name) throw new UsageError(`${usage}\nunknown resource type "${type}"`);
  if (r.kind === 'Pod') return name;
  const owner = await client
    .resource<KubeObject & { spec?: { selector?: LabelSelector } }>(r, namespace)
    .get(name);
  const selector = owner.spec?.selector;
  if (!selector) throw new UsageError(`cannot ${verb} ${r.kind} ${name}: it has no pod selector`);
  const pods = (
    await client
      .resource<Pod>(resource.pods, namespace)
      .listAll({ labelSelector: labelSelectorToString(selector) })
  ).items.filter((p) => !p.metadata?.deletionTimestamp);
  const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  pods.sort(
    (a, b) =>
      Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running') ||
      created(a) - created(b),
  );
  const first = pods[0]?.metadata?.name;
  if (!first) throw new UsageError(`timed out waiting for the condition: no pods of ${r.singular}/${name}`);
  if (pods.length > 1) process.stderr.write(`Found ${pods.length} pods, using pod/${first}\n`);
  return first;
}

/** kubectl's choice when -c is not given: the default-container annotation, else the first. */
export async function defaultContainer(
  client: ApiClient,
  namespace: string,
  podName: string,
): Promise<string | undefined> {
  const pod = await client.resource<Pod>(resource.pods, namespace).get(podName);
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata?.annotations?.[defaultContainerAnnotation];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1)
    process.stderr.write(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  return names[0];
}
