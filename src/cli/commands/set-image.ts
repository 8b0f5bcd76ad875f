// `kubelab set image TYPE/NAME CONTAINER=IMAGE...`: kubectl's set image. `*=IMAGE` sets every
// container. The change is a strategic-merge patch of the pod template's containers (merge
// key `name`), so nothing else in the template is touched.
import type { Command } from 'commander';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/kube-object.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { parseTargets } from './get.js';

type WithPodSpec = KubeObject & {
  spec?: PodSpec & {
    template?: { spec?: PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
  };
};

/** Where the containers live: a pod's spec, a workload's template, a CronJob's job template. */
function podSpecPath(obj: WithPodSpec): { spec: PodSpec | undefined; wrap: (p: object) => object } {
  if (obj.kind === 'Pod') return { spec: obj.spec, wrap: (p) => ({ spec: p }) };
  if (obj.kind === 'CronJob')
    return {
      spec: obj.spec?.jobTemplate?.spec?.template?.spec,
      wrap: (p) => ({ spec: { jobTemplate: { spec: { template: { spec: p } } } } }),
    };
  return { spec: obj.spec?.template?.spec, wrap: (p) => ({ spec: { template: { spec: p } } }) };
}

/** Splits `web=kubelab/web:2` pairs; everything before the first pair names the objects. */
export function splitImageArgs(args: string[]): { targets: string[]; images: Map<string, string> } {
  const first = args.findIndex((a) => a.includes('='));
  if (first <= 0) throw new UsageError('you must specify a resource and at least one CONTAINER=IMAGE pair');
  const images = new Map<string, string>();
  for (const pair of args.slice(first)) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const image = pair.slice(at + 1);
    if (!name || !image) throw new UsageError(`invalid image update "${pair}": expected CONTAINER=IMAGE`);
    images.set(name, image);
  }
  return { targets: args.slice(0, first), images };
}

export function registerSetImage(program: Command, globals: () => GlobalOptions): void {
  const set = program.command('set').description('change fields of existing objects');
  set
    .command('image')
    .description('update the image of containers in a pod template')
    .argument('<args...>', 'TYPE/NAME CONTAINER=IMAGE...')
    .action(async (args: string[]) => {
      const { targets, images } = splitImageArgs(args);
      const resolved = parseTargets(targets);
      const { client, namespace } = await connect(globals());
      try {
        for (const { resource, names } of resolved) {
          const api = client.resource<WithPodSpec>(resource, namespace);
          const kind = `${resource.kind.toLowerCase()}${resource.group ? `.${resource.group}` : ''}`;
          for (const name of names) {
            const obj = await api.get(name);
            const { spec, wrap } = podSpecPath(obj);
            const patchList = (list: Container[] | undefined) =>
              (list ?? [])
                .filter((c) => images.has(c.name) || images.has('*'))
                .map((c) => ({ name: c.name, image: images.get(c.name) ?? images.get('*') }));
            const containers = patchList(spec?.containers);
            const initContainers = patchList(spec?.initContainers);
            for (const wanted of images.keys()) {
              const known = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some(
                (c) => c.name === wanted,
              );
              if (wanted !== '*' && !known) throw new Error(`unable to find container named "${wanted}"`);
            }
            const podPatch = {
              ...(containers.length ? { containers } : {}),
              ...(initContainers.length ? { initContainers } : {}),
            };
            await api.patch(name, wrap(podPatch), 'strategic');
            process.stdout.write(`${kind}/${name} image updated\n`);
          }
        }
      } finally {
        client.close();
      }
    });
  for (const cmd of set.commands) cmd.exitOverride();
}
