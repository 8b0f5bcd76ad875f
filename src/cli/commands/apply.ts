// `kubelab apply -f FILE|DIR|- [-R]`: kubectl's client-side apply. Each document is created
// if missing, otherwise patched with a three-way strategic merge patch computed from the
// last-applied-configuration annotation, and reported as created / configured / unchanged.
import type { Command } from 'commander';
import type { ManifestDoc } from '../../api/manifest.js';
import { type ResourceInfo, resourceByKind, resources } from '../../api/resources.js';
import { StatusError } from '../../api/status-error.js';
import type { ApiClient, KubeObject } from '../../client/rest-client.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { readManifests } from '../manifest-files.js';
import { kindPrefix } from '../printers/table-printer.js';
import { describeServerError } from '../server-errors.js';
import { threeWayPatch } from '../three-way-patch.js';
import { UsageError } from '../usage-error.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = KubeObject & { metadata: NonNullable<KubeObject['metadata']> } & Record<string, unknown>;

export type ApplyResult = 'created' | 'configured' | 'unchanged';

/** What the annotation records: the document as written, without the annotation itself. */
function lastAppliedText(doc: Obj): string {
  const annotations = { ...(doc.metadata.annotations ?? {}) };
  delete annotations[lastAppliedAnnotation];
  const metadata = {
    ...doc.metadata,
    annotations: Object.keys(annotations).length ? annotations : undefined,
  };
  return `${JSON.stringify({ ...doc, metadata })}\n`;
}

/** Applies one parsed document; throws StatusError from the server or Error for local problems. */
export interface Applied {
  /** `deployment.apps/web`, as kubectl prints it. */
  name: string;
  result: ApplyResult;
  /** Identity for --prune: `<plural>.<group>/<namespace>/<name>`. */
  key: string;
}

function identity(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${info.plural}.${info.group}/${namespace ?? ''}/${name}`;
}

export async function applyDocument(
  client: ApiClient,
  doc: ManifestDoc,
  defaultNamespace: string,
): Promise<Applied> {
  const obj = structuredClone(doc.object) as Obj;
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const info = resourceByKind(apiVersion, kind);
  if (!info) {
    throw new Error(
      `${doc.source}:${doc.line}: no kind "${kind}" is registered for version "${apiVersion}" (kubelab serves: see \`kubelab api-resources\`)`,
    );
  }
  obj.metadata ??= {};
  const name = obj.metadata.name;
  if (typeof name !== 'string' || name === '') {
    throw new Error(
      `${doc.source}:${doc.lineOf('metadata') ?? doc.line}: metadata.name is required for apply`,
    );
  }
  const namespace = info.namespaced ? (obj.metadata.namespace ?? defaultNamespace) : undefined;
  if (namespace) obj.metadata.namespace = namespace;
  const label = `${kindPrefix(info)}/${name}`;
  const key = identity(info, namespace, name);
  const annotated: Obj = {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...(obj.metadata.annotations ?? {}), [lastAppliedAnnotation]: lastAppliedText(obj) },
    },
  };
  const resource = client.resource<Obj>(info, namespace);
  let live: Obj;
  try {
    live = await resource.get(name);
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    await resource.create(annotated);
    return { name: label, result: 'created', key };
  }
  const previous = live.metadata.annotations?.[lastAppliedAnnotation];
  let original: Record<string, unknown> | undefined;
  try {
    original = previous ? (JSON.parse(previous) as Record<string, unknown>) : undefined;
  } catch {
    original = undefined; // a corrupted annotation: behave as if nothing was applied before
  }
  const patch = threeWayPatch(
    original,
    annotated as Record<string, unknown>,
    live as Record<string, unknown>,
  );
  if (!patch) return { name: label, result: 'unchanged', key };
  await resource.patch(name, patch, 'strategic');
  return { name: label, result: 'configured', key };
}

/** kubectl's default prune allowlist: the kinds `apply --prune` may delete. */
const prunableKinds = [
  'ConfigMap',
  'Endpoints',
  'Namespace',
  'Pod',
  'Secret',
  'Service',
  'Job',
  'CronJob',
  'Ingress',
  'DaemonSet',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
];

/**
 * `apply --prune -l SEL`: deletes objects that an earlier apply created (they carry the
 * last-applied annotation) and match the selector, but are no longer in the manifests.
 */
export async function prune(
  client: ApiClient,
  applied: Set<string>,
  namespaces: Set<string>,
  selector: string,
): Promise<string[]> {
  const pruned: string[] = [];
  for (const kind of prunableKinds) {
    const info = resources.find((r) => r.kind === kind)!;
    for (const ns of info.namespaced ? namespaces : [undefined]) {
      const rc = client.resource<Obj>(info, ns);
      for (const obj of (await rc.listAll({ labelSelector: selector })).items) {
        const name = obj.metadata.name!;
        if (!obj.metadata.annotations?.[lastAppliedAnnotation] || applied.has(identity(info, ns, name)))
          continue;
        await rc.delete(name, { propagationPolicy: 'Background' });
        pruned.push(`${kindPrefix(info)}/${name}`);
      }
    }
  }
  return pruned;
}

export function registerApply(program: Command, globals: () => GlobalOptions): void {
  program
    .command('apply')
    .description('Create or update objects from manifest files (kubectl apply)')
    .option('-f, --filename <path...>', 'file, folder or - for stdin (repeatable)')
    .option('-R, --recursive', 'process folders recursively', false)
    .option('--prune', 'delete previously applied objects (matching -l) that are no longer in the files')
    .option('-l, --selector <selector>', 'with --prune: only objects with these labels')
    .action(async (opts: { filename?: string[]; recursive: boolean; prune?: boolean; selector?: string }) => {
      if (!opts.filename?.length) throw new UsageError('must specify -f FILE|DIR|-');
      if (opts.prune && !opts.selector) {
        throw new UsageError(
          '--prune needs -l SELECTOR, so that only objects you mean to manage can be deleted',
        );
      }
      const { client, namespace } = await connect(globals());
      let failed = false;
      const report = (message: string) => {
        failed = true;
        process.stderr.write(`${message}\n`);
      };
      const docs = await readManifests(opts.filename, opts.recursive, (e) => report(`error: ${e.message}`));
      const applied = new Set<string>();
      const namespaces = new Set([namespace]);
      try {
        for (const doc of docs) {
          try {
            const { name, result, key } = await applyDocument(client, doc, namespace);
            applied.add(key);
            const ns = key.split('/')[1];
            if (ns) namespaces.add(ns);
            process.stdout.write(`${name} ${result}\n`);
          } catch (e) {
            report(describeServerError(e, doc));
          }
        }
        if (opts.prune && failed) {
          process.stderr.write(
            'not pruning: some manifests failed to apply, and pruning now could delete what they describe\n',
          );
        } else if (opts.prune) {
          for (const name of await prune(client, applied, namespaces, opts.selector!))
            process.stdout.write(`${name} pruned\n`);
        }
      } finally {
        client.close();
      }
      if (docs.length === 0 && !failed) report('error: no objects passed to apply');
      if (failed) process.exitCode = 1;
    });
}
