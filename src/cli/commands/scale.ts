// `kubelab scale TYPE/NAME --replicas=N`: kubectl's scale, through the /scale subresource, so
// it works the same for Deployments, ReplicaSets and StatefulSets (and an autoscaler would
// see the same writes). --current-replicas is kubectl's precondition.
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { parseTargets } from './get.js';

interface ScaleFlags {
  replicas?: string;
  currentReplicas?: string;
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`invalid value "${value}" for ${flag}: must be a non-negative integer`);
  return Number(value);
}

export function registerScale(program: Command, globals: () => GlobalOptions): void {
  program
    .command('scale')
    .description('set a new size for a deployment, replica set or stateful set')
    .argument('<target...>', 'TYPE/NAME... or TYPE NAME...')
    .option('--replicas <n>', 'the new desired number of replicas')
    .option('--current-replicas <n>', 'only scale if the current size is this')
    .action(async (args: string[], o: ScaleFlags) => {
      if (o.replicas === undefined) throw new UsageError('--replicas=COUNT is required');
      const replicas = count('--replicas', o.replicas);
      const current =
        o.currentReplicas === undefined ? undefined : count('--current-replicas', o.currentReplicas);
      const targets = parseTargets(args);
      for (const t of targets) {
        if (!t.resource.subresources.includes('scale'))
          throw new UsageError(`${t.resource.plural} cannot be scaled (no /scale subresource)`);
        if (t.names.length === 0)
          throw new UsageError('resource(s) were provided, but no name was specified');
      }
      const { client, namespace } = await connect(globals());
      try {
        for (const { resource, names } of targets) {
          const api = client.resource(resource, namespace);
          const kind = `${resource.kind.toLowerCase()}${resource.group ? `.${resource.group}` : ''}`;
          for (const name of names) {
            const scale = await api.getScale(name);
            if (current !== undefined && scale.spec.replicas !== current)
              throw new Error(`Expected replicas to be ${current}, was ${scale.spec.replicas ?? 0}`);
            // The scale's resourceVersion makes the write conditional, as kubectl's is.
            await api.updateScale(name, { ...scale, spec: { replicas } });
            process.stdout.write(`${kind}/${name} scaled\n`);
          }
        }
      } finally {
        client.close();
      }
    });
}
