// Cache and work-queue keys, as client-go's MetaNamespaceKeyFunc makes them: `namespace/name`
// for namespaced objects, `name` for cluster-scoped ones.

export interface ObjectWithMeta {
  metadata?: { namespace?: string; name?: string };
}

export function objectKey(obj: ObjectWithMeta): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('object has no metadata.name, so it has no cache key');
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { name: key };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new Error(`unexpected key format: "${key}"`);
}
