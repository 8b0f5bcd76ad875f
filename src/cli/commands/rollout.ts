// `kubelab rollout status|history|undo|pause|resume|restart`: kubectl's rollout commands for
// Deployments, with kubectl's messages. Undo works as kubectl's does: it copies the target
// ReplicaSet's template back into the Deployment, and the Deployment controller then gives
// that ReplicaSet the next revision number.
import type { Command } from 'commander';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  changeCauseAnnotation,
  revisionOf,
  rollbackPlan,
  withoutHashLabel,
} from '../../api/deployment-revisions.js';
import { describePodTemplate } from '../../api/describe/containers.js';
import { DescribeWriter } from '../../api/describe/describe-writer.js';
import { controllerRefOf } from '../../api/owner-references.js';
import { resource } from '../../api/resources.js';
import { rfc3339 } from '../../api/time.js';
import { Informer } from '../../client/informer.js';
import type { ApiClient } from '../../client/rest-client.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { parseTargets } from './get.js';

/** One Deployment named as `deploy/web`, `deployment web` or `deployments.apps/web`. */
function deploymentName(args: string[], verb: string): string {
  const targets = parseTargets(args);
  const t = targets[0];
  if (targets.length !== 1 || t?.names.length !== 1)
    throw new UsageError(`required resource not specified: kubelab rollout ${verb} deployment/NAME`);
  if (t.resource !== resource.deployments)
    throw new UsageError(
      `no ${verb} has been implemented for ${t.resource.plural} (kubelab rolls out deployments)`,
    );
  return t.names[0]!;
}

/** kubectl's DeploymentStatusViewer: the message for this state, and whether the rollout is done. */
export function deploymentRolloutStatus(d: Deployment): { message: string; done: boolean } {
  const name = d.metadata?.name;
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0))
    return { message: 'Waiting for deployment spec update to be observed...', done: false };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    throw new Error(`deployment "${name}" exceeded its progress deadline`);
  const replicas = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const prefix = `Waiting for deployment "${name}" rollout to finish:`;
  if (updated < replicas)
    return {
      message: `${prefix} ${updated} out of ${replicas} new replicas have been updated...`,
      done: false,
    };
  if ((s.replicas ?? 0) > updated)
    return {
      message: `${prefix} ${(s.replicas ?? 0) - updated} old replicas are pending termination...`,
      done: false,
    };
  if ((s.availableReplicas ?? 0) < updated)
    return {
      message: `${prefix} ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
      done: false,
    };
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

/** Go durations as kubectl's flags take them: `30s`, `1m30s`, `500ms`, `0` (no limit). */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new UsageError(`invalid duration "${text}" (use e.g. 30s, 2m, 1m30s)`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

async function rolloutStatus(
  client: ApiClient,
  namespace: string,
  name: string,
  o: { watch: boolean; timeout: string },
) {
  const timeoutMs = parseDuration(o.timeout);
  const first = await client.resource<Deployment>(resource.deployments, namespace).get(name);
  const now = deploymentRolloutStatus(first);
  if (now.done || !o.watch) {
    process.stdout.write(`${now.message}\n`);
    return;
  }
  const informer = new Informer<Deployment>(client, resource.deployments, {
    namespace,
    fieldSelector: `metadata.name=${name}`,
  });
  let last = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => reject(new Error('timed out waiting for the condition')), timeoutMs)
          : undefined;
      const finish = (e?: unknown) => {
        clearTimeout(timer);
        if (e) reject(e);
        else resolve();
      };
      const onChange = (d: Deployment) => {
        try {
          const s = deploymentRolloutStatus(d);
          if (s.message !== last) process.stdout.write(`${s.message}\n`);
          last = s.message;
          if (s.done) finish();
        } catch (e) {
          finish(e);
        }
      };
      informer.addEventHandler({
        onAdd: onChange,
        onUpdate: (_old, d) => onChange(d),
        onDelete: () => finish(new Error(`deployment "${name}" was deleted`)),
      });
      informer.start();
    });
  } finally {
    informer.stop();
  }
}

/** The Deployment's ReplicaSets (those it controls), by revision. */
async function replicaSetsOf(client: ApiClient, d: Deployment): Promise<ReplicaSet[]> {
  const all = await client.resource<ReplicaSet>(resource.replicaSets, d.metadata?.namespace).listAll();
  return all.items
    .filter((rs) => controllerRefOf(rs)?.uid === d.metadata?.uid)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
}

async function rolloutHistory(
  client: ApiClient,
  namespace: string,
  name: string,
  revision: number | undefined,
) {
  const d = await client.resource<Deployment>(resource.deployments, namespace).get(name);
  const rss = (await replicaSetsOf(client, d)).filter((rs) => revisionOf(rs) > 0);
  if (revision !== undefined && revision > 0) {
    const rs = rss.find((r) => revisionOf(r) === revision);
    if (!rs) throw new Error(`unable to find the specified revision`);
    const w = new DescribeWriter();
    describePodTemplate(w, withoutHashLabel(rs.spec?.template));
    process.stdout.write(`deployment.apps/${name} with revision #${revision}\n${w.toString()}\n`);
    return;
  }
  const rows = rss.map((rs) => [
    String(revisionOf(rs)),
    rs.metadata?.annotations?.[changeCauseAnnotation] ?? '<none>',
  ]);
  const width = Math.max('REVISION'.length, ...rows.map((r) => r[0]!.length)) + 2;
  const lines = [['REVISION', 'CHANGE-CAUSE'], ...rows].map(
    ([rev, cause]) => `${rev!.padEnd(width)}${cause}`,
  );
  process.stdout.write(`deployment.apps/${name} \n${lines.join('\n')}\n\n`);
}

async function rolloutUndo(client: ApiClient, namespace: string, name: string, toRevision: number) {
  const api = client.resource<Deployment>(resource.deployments, namespace);
  const d = await api.get(name);
  const plan = rollbackPlan(d, await replicaSetsOf(client, d), toRevision);
  if (plan.kind === 'skip') {
    process.stdout.write(
      `deployment.apps/${name} skipped rollback (current template already matches revision ${plan.revision})\n`,
    );
    return;
  }
  await api.patch(name, plan.patch, 'json');
  process.stdout.write(`deployment.apps/${name} rolled back\n`);
}

async function setPaused(client: ApiClient, namespace: string, name: string, paused: boolean) {
  const api = client.resource<Deployment>(resource.deployments, namespace);
  const d = await api.get(name);
  if (!!d.spec?.paused === paused)
    throw new Error(`deployments.apps "${name}" is ${paused ? 'already paused' : 'not paused'}`);
  await api.patch(name, { spec: { paused } }, 'merge');
  process.stdout.write(`deployment.apps/${name} ${paused ? 'paused' : 'resumed'}\n`);
}

async function restart(client: ApiClient, namespace: string, name: string) {
  const api = client.resource<Deployment>(resource.deployments, namespace);
  const d = await api.get(name);
  if (d.spec?.paused)
    throw new Error(`deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`);
  const restartedAt = rfc3339(Date.now());
  await api.patch(
    name,
    {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } },
    },
    'strategic',
  );
  process.stdout.write(`deployment.apps/${name} restarted\n`);
}

export function registerRollout(program: Command, globals: () => GlobalOptions): void {
  const rollout = program.command('rollout').description('manage the rollout of a deployment');
  const withClient = async (fn: (client: ApiClient, namespace: string) => Promise<void>) => {
    const { client, namespace } = await connect(globals());
    try {
      await fn(client, namespace);
    } finally {
      client.close();
    }
  };
  rollout
    .command('status')
    .description('watch the rollout until it finishes')
    .argument('<target...>', 'deploy/NAME')
    .option('-w, --watch [bool]', 'watch until the rollout finishes', (v) => v !== 'false', true)
    .option('--timeout <duration>', 'give up after this long (0: never)', '0s')
    .action((args: string[], o: { watch: boolean; timeout: string }) =>
      withClient((c, ns) => rolloutStatus(c, ns, deploymentName(args, 'status'), o)),
    );
  rollout
    .command('history')
    .description('list revisions, or show one with --revision')
    .argument('<target...>', 'deploy/NAME')
    .option('--revision <n>', 'show the pod template of this revision', (v) => Number(v))
    .action((args: string[], o: { revision?: number }) =>
      withClient((c, ns) => rolloutHistory(c, ns, deploymentName(args, 'history'), o.revision)),
    );
  rollout
    .command('undo')
    .description('roll back to the previous revision, or to --to-revision')
    .argument('<target...>', 'deploy/NAME')
    .option('--to-revision <n>', 'the revision to roll back to (0: the previous one)', (v) => Number(v), 0)
    .action((args: string[], o: { toRevision: number }) =>
      withClient((c, ns) => rolloutUndo(c, ns, deploymentName(args, 'undo'), o.toRevision)),
    );
  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    rollout
      .command(verb)
      .description(paused ? 'stop the rollout where it is' : 'continue a paused rollout')
      .argument('<target...>', 'deploy/NAME')
      .action((args: string[]) =>
        withClient((c, ns) => setPaused(c, ns, deploymentName(args, verb), paused)),
      );
  }
  rollout
    .command('restart')
    .description('replace every pod with a new one (rolling)')
    .argument('<target...>', 'deploy/NAME')
    .action((args: string[]) => withClient((c, ns) => restart(c, ns, deploymentName(args, 'restart'))));
  for (const cmd of rollout.commands) cmd.exitOverride();
}
