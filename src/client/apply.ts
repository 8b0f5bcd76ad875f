// kubectl's client-side apply, shared by `kubelab apply`, the TUI's apply action and (later)
// the manifest-folder watcher. Each document is created if missing, otherwise patched with a
// three-way strategic merge patch computed from the last-applied-configuration annotation,
// and reported as created / configured / unchanged.

import type { KubeObject } from '../api/kube-object.js';
import type { ManifestDoc } from '../api/manifest.js';
import { kindPrefix, type ResourceInfo, resourceByKind, resources } from '../api/resources.js';
import { describeServerError } from '../api/server-error-report.js';
import { StatusError } from '../api/status-error.js';
import { threeWayPatch } from '../api/three-way-patch.js';
import type { ApiClient } from './rest-client.js';

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

/** Applies one parsed document; throws StatusError from the server or Error for local problems. */
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

export interface ApplyRun {
  /** Identities of what was applied (for prune). */
  applied: Set<string>;
  /** The default namespace and every namespace something was applied in (prune looks there). */
  namespaces: Set<string>;
  /** Documents that failed. */
  failures: number;
}

/**
 * Applies the documents in order; one that fails is reported (kubectl's text: the server's
 * reason and each refused field at its file:line) and the rest still go, as kubectl does.
 */
export async function applyDocuments(
  client: ApiClient,
  docs: readonly ManifestDoc[],
  defaultNamespace: string,
  report: { applied(a: Applied): void; failed(message: string): void },
): Promise<ApplyRun> {
  const run: ApplyRun = { applied: new Set(), namespaces: new Set([defaultNamespace]), failures: 0 };
  for (const doc of docs) {
    try {
      const a = await applyDocument(client, doc, defaultNamespace);
      run.applied.add(a.key);
      const ns = a.key.split('/')[1];
      if (ns) run.namespaces.add(ns);
      report.applied(a);
    } catch (e) {
      run.failures++;
      report.failed(describeServerError(e, doc));
    }
  }
  return run;
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
