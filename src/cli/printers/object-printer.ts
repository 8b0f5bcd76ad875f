// `-o json`, `-o yaml` and `-o name`, in kubectl's shapes: one object prints as itself,
// several as a `v1 List` (the text itself comes from src/api/object-text.ts).
import { objectJson, objectYaml } from '../../api/object-text.js';
import { kindPrefix, resourceByKind } from '../../api/resources.js';

export type ObjectFormat = 'json' | 'yaml' | 'name';

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
}

/** `pod/web-1`, `deployment.apps/web`: the group comes from apiVersion, as kubectl does. */
export function objectName(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? 'v1';
  const kind = obj.kind ?? '';
  const group =
    resourceByKind(apiVersion, kind)?.group ?? (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
  return `${kindPrefix({ kind, group })}/${obj.metadata?.name ?? ''}`;
}

export interface PrintObjectsOptions {
  /** Print a List even for one object (a list request); defaults to "more than one". */
  asList?: boolean;
}

export function printObjects(
  objs: readonly KubeObject[],
  format: ObjectFormat,
  opts: PrintObjectsOptions = {},
): string {
  if (format === 'name') return objs.map((o) => `${objectName(o)}\n`).join('');
  const asList = opts.asList ?? objs.length !== 1;
  const value = asList
    ? { apiVersion: 'v1', kind: 'List', items: objs, metadata: { resourceVersion: '' } }
    : objs[0];
  return format === 'json' ? objectJson(value) : objectYaml(value);
}
