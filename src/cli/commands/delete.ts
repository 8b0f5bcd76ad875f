// `kubelab delete`: by TYPE NAME, TYPE/NAME, -f FILE, or -l SELECTOR / --all; waits until
// the objects are gone (as kubectl does) unless --wait=false.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/kube-object.js';
import { kindPrefix, type ResourceInfo, resourceByKind } from '../../api/resources.js';
import { describeServerError } from '../../api/server-error-report.js';
import { StatusError } from '../../api/status-error.js';
import { readManifests } from '../../client/manifest-files.js';
import type { ApiClient } from '../../client/rest-client.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { parseTargets } from './get.js';

interface DeleteFlags {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  gracePeriod?: string;
  force?: boolean;
  now?: boolean;
  cascade?: string;
  wait?: boolean;
  ignoreNotFound?: boolean;
}

interface Victim {
  resource: ResourceInfo;
  namespace?: string;
  name: string;
}

const cascadePolicy: Record<string, 'Background' | 'Foreground' | 'Orphan'> = {
  background: 'Background',
  true: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
  false: 'Orphan',
};

async function waitUntilGone(client: ApiClient, v: Victim, uid: string | undefined): Promise<void> {
  for (;;) {
    try {
      const obj = await client.resource<KubeObject>(v.resource, v.namespace).get(v.name);
      if (uid && obj.metadata?.uid !== uid) return;
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function registerDelete(program: Command, globals: () => GlobalOptions): void {
  program
    .command('delete')
    .description('Delete resources by name, file or label selector (kubectl delete)')
    .argument('[target...]', 'TYPE NAME... | TYPE/NAME ...')
    .option('-f, --filename <path...>', 'delete the objects in these manifests')
    .option('-R, --recursive', 'process folders recursively')
    .option('-l, --selector <selector>', 'delete objects matching this label selector')
    .option('--all', 'delete all objects of the type in the namespace')
    .option('-A, --all-namespaces', 'with -l or --all, across all namespaces')
    .option('--grace-period <seconds>', 'seconds to let pods stop (-1: the pod’s own)', '-1')
    .option('--force', 'with --grace-period=0, remove immediately without waiting for the node')
    .option('--now', 'grace period of 1 second')
    .option('--cascade <policy>', 'background | foreground | orphan', 'background')
    .option('--wait [bool]', 'wait until the objects are gone', (v) => v !== 'false', true)
    .option('--ignore-not-found', 'treat "not found" as success')
    .action(async (args: string[], f: DeleteFlags) => {
      const policy = cascadePolicy[f.cascade ?? 'background'];
      if (!policy)
        throw new UsageError(`invalid --cascade "${f.cascade}": use background, foreground or orphan`);
      let grace = Number(f.gracePeriod ?? -1);
      if (f.now) grace = 1;
      if (grace === 0 && !f.force) grace = 1; // kubectl: only --force deletes without the node's confirmation
      const { client, namespace } = await connect(globals());
      const victims: Victim[] = [];
      let failed = false;
      const report = (m: string) => {
        failed = true;
        process.stderr.write(`${m}\n`);
      };
      try {
        if (f.filename?.length) {
          for (const doc of await readManifests(f.filename, f.recursive ?? false, (e) =>
            report(`error: ${e.message}`),
          )) {
            const r = resourceByKind(String(doc.object.apiVersion), String(doc.object.kind));
            const meta = (doc.object.metadata ?? {}) as { name?: string; namespace?: string };
            if (!r || !meta.name) {
              report(
                `error: ${doc.source}:${doc.line}: cannot delete an object without a known kind and metadata.name`,
              );
              continue;
            }
            victims.push({
              resource: r,
              namespace: r.namespaced ? (meta.namespace ?? namespace) : undefined,
              name: meta.name,
            });
          }
        } else {
          const targets = parseTargets(args);
          for (const t of targets) {
            const ns = t.resource.namespaced ? (f.allNamespaces ? undefined : namespace) : undefined;
            if (t.names.length) {
              for (const name of t.names) victims.push({ resource: t.resource, namespace: ns, name });
            } else if (f.selector || f.all) {
              const list = await client
                .resource<KubeObject>(t.resource, ns)
                .listAll({ labelSelector: f.selector });
              for (const o of list.items)
                victims.push({
                  resource: t.resource,
                  namespace: o.metadata?.namespace,
                  name: o.metadata!.name!,
                });
            } else {
              throw new UsageError(
                'resource(s) were provided, but no name was specified: give names, -l SELECTOR or --all',
              );
            }
          }
          if (victims.length === 0) process.stderr.write('No resources found\n');
        }
        const waits: Promise<void>[] = [];
        for (const v of victims) {
          try {
            const kept = await client.resource<KubeObject>(v.resource, v.namespace).delete(v.name, {
              propagationPolicy: policy,
              ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}),
            });
            process.stdout.write(`${kindPrefix(v.resource)} "${v.name}" deleted\n`);
            if (f.wait && kept) waits.push(waitUntilGone(client, v, kept.metadata?.uid));
          } catch (e) {
            if (e instanceof StatusError && e.reason === 'NotFound' && f.ignoreNotFound) continue;
            report(describeServerError(e));
          }
        }
        await Promise.all(waits);
      } finally {
        client.close();
      }
      if (failed) process.exitCode = 1;
    });
}
