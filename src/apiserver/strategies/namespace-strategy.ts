// Namespaces: a deleted namespace stays, in phase Terminating, until the namespace controller
// has emptied it and removed "kubernetes" from spec.finalizers through the /finalize
// subresource (kube's namespace strategy and finalize REST).
import type { ResourceInfo } from '../../api/resources.js';
import type { ApiObject } from '../object-meta.js';
import { defaultStrategy } from './default-strategy.js';
import type { ResourceStrategy } from './strategy.js';

type NamespaceSpec = { finalizers?: string[] } | undefined;

export function namespaceStrategy(r: ResourceInfo): ResourceStrategy {
  return {
    ...defaultStrategy(r),
    pendingFinalizers: (ns) => (ns.spec as NamespaceSpec)?.finalizers ?? [],
    prepareForDeletion(ns) {
      ns.status = { ...(ns.status as object), phase: 'Terminating' };
    },
    finalize: (old: ApiObject, incoming: ApiObject) => ({
      ...old,
      spec: { ...(old.spec as object), finalizers: (incoming.spec as NamespaceSpec)?.finalizers ?? [] },
    }),
  };
}
