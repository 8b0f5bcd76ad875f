// `kubelab apply -f FILE|DIR|- [-R]`: kubectl's client-side apply. Each document is created
// if missing, otherwise patched with a three-way strategic merge patch computed from the
// last-applied-configuration annotation, and reported as created / configured / unchanged.
import type { Command } from 'commander';
import type { ManifestDoc } from '../../api/manifest.js';
import { apiVersionOf, resourceByKind } from '../../api/resources.js';
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
export async function applyDocument(
  client: ApiClient,
  doc: ManifestDoc,
  defaultNamespace: string,
): Promise<{ name: string; result: ApplyResult }> {
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
    return { name: label, result: 'created' };
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
  if (!patch) return { name: label, result: 'unchanged' };
  await resource.patch(name, patch, 'strategic');
  return { name: label, result: 'configured' };
}

export function registerApply(program: Command, globals: () => GlobalOptions): void {
  program
    .command('apply')
    .description('Create or update objects from manifest files (kubectl apply)')
    .option('-f, --filename <path...>', 'file, folder or - for stdin (repeatable)')
    .option('-R, --recursive', 'process folders recursively', false)
    .action(async (opts: { filename?: string[]; recursive: boolean }) => {
      if (!opts.filename?.length) throw new UsageError('must specify -f FILE|DIR|-');
      const { client, namespace } = await connect(globals());
      let failed = false;
      const report = (message: string) => {
        failed = true;
        process.stderr.write(`${message}\n`);
      };
      const docs = await readManifests(opts.filename, opts.recursive, (e) => report(`error: ${e.message}`));
      try {
        for (const doc of docs) {
          try {
            const { name, result } = await applyDocument(client, doc, namespace);
            process.stdout.write(`${name} ${result}\n`);
          } catch (e) {
            report(describeServerError(e, doc));
          }
        }
      } finally {
        client.close();
      }
      if (docs.length === 0 && !failed) report('error: no objects passed to apply');
      if (failed) process.exitCode = 1;
    });
}

export { apiVersionOf };
