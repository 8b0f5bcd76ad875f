// What every live namespace holds, as pure decisions: kube's ServiceAccount controller gives it
// a `default` ServiceAccount, and its root CA publisher a `kube-root-ca.crt` ConfigMap carrying
// the cluster CA, so in-cluster clients can verify the API server (the token volume mounts it).
import type { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { defaultServiceAccountName, rootCAConfigMapName, rootCAKey } from '../api/service-accounts.js';

/** A namespace being deleted refuses new content; its objects are going, not to be replaced. */
export function acceptsContent(ns: Namespace | undefined): ns is Namespace {
  return ns !== undefined && !ns.metadata?.deletionTimestamp && ns.status?.phase !== 'Terminating';
}

/** The `default` ServiceAccount to create, or undefined when the namespace has one. */
export function missingDefaultServiceAccount(
  namespace: string,
  existing: ServiceAccount | undefined,
): ServiceAccount | undefined {
  if (existing) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: defaultServiceAccountName, namespace },
  };
}

/**
 * The root CA ConfigMap to write: a new one, the current one with the CA put back (someone
 * edited it, or the CA changed), or undefined when it already says the right thing. Other keys
 * and labels a user added are kept, as kube's publisher keeps them.
 */
export function rootCAConfigMap(
  namespace: string,
  caPem: string,
  current: ConfigMap | undefined,
): ConfigMap | undefined {
  if (!current)
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: rootCAConfigMapName, namespace },
      data: { [rootCAKey]: caPem },
    };
  if (current.data?.[rootCAKey] === caPem) return undefined;
  return { ...current, data: { ...current.data, [rootCAKey]: caPem } };
}
