// Where each object lives in the store. One prefix per resource, then namespace, then name,
// so "all pods", "pods in one namespace" and "one pod" are all prefix reads, as in
// kube-apiserver's etcd layout (`/registry/pods/<ns>/<name>`).
import type { ResourceInfo } from '../api/resources.js';

export function resourcePrefix(r: ResourceInfo, namespace?: string): string {
  const base = `/registry/${r.group || 'core'}/${r.plural}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${resourcePrefix(r, r.namespaced ? namespace : undefined)}${name}`;
}
