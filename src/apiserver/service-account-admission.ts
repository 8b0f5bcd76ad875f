// kube's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount), on pod create:
// every pod runs as a ServiceAccount (`default` unless it names one), which must exist, and
// unless automounting is turned off (on the pod, else on the ServiceAccount) every container
// gets the `kube-api-access-*` projected volume at the path in-cluster clients read: a token
// bound to the pod, the cluster CA and the namespace. The agent fills it (pod-volumes.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { defaultServiceAccountName, rootCAConfigMapName, rootCAKey } from '../api/service-accounts.js';
import { statusErrors } from '../api/status-error.js';
import type { Store } from '../store/store.js';
import { type ApiObject, generatedName } from './object-meta.js';
import { objectKey } from './storage-keys.js';

const tokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
const volumePrefix = 'kube-api-access-';
/** kube's WarnOnlyBoundTokenExpirationSeconds: an hour and 7 s, recognisable in audit logs. */
const tokenExpirationSeconds = 3607;

/**
 * The controller creates a namespace's `default` ServiceAccount a moment after the namespace:
 * like kube, a pod created in that moment waits for it (about 10 × 150 ms) before being refused.
 */
const defaultLookupAttempts = 10;
const lookupRetryMs = 150;

export async function admitServiceAccount(obj: ApiObject, store: Store): Promise<void> {
  const pod = obj as Pod;
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  const namespace = pod.metadata?.namespace ?? '';
  spec.serviceAccountName ||= spec.serviceAccount || defaultServiceAccountName;
  // The deprecated alias kube still fills in.
  spec.serviceAccount = spec.serviceAccountName;
  const sa = await lookUp(store, namespace, spec.serviceAccountName);
  if (!sa)
    throw statusErrors.forbidden(
      `pods "${pod.metadata?.name ?? ''}" is forbidden: error looking up service account ${namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
    );
  if (spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true) mountToken(spec);
}

async function lookUp(store: Store, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  const attempts = name === defaultServiceAccountName ? defaultLookupAttempts : 1;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(lookupRetryMs);
    const kv = await store.get(objectKey(resource.serviceAccounts, namespace, name));
    if (kv) return JSON.parse(kv.value) as ServiceAccount;
  }
  return undefined;
}

/** Mounts the token volume in every container that has nothing at its path (kube keeps a user's own mount). */
function mountToken(spec: NonNullable<Pod['spec']>): void {
  const existing = spec.volumes?.find((v) => v.name.startsWith(volumePrefix));
  const name = existing?.name ?? generatedName(volumePrefix);
  let needed = false;
  const mount = (c: Container) => {
    if (c.volumeMounts?.some((m) => m.mountPath === tokenMountPath)) return;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: tokenMountPath }];
    needed = true;
  };
  for (const c of spec.initContainers ?? []) mount(c);
  for (const c of spec.containers ?? []) mount(c);
  if (needed && !existing) spec.volumes = [...(spec.volumes ?? []), tokenVolume(name)];
}

function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: tokenExpirationSeconds, path: 'token' } },
        { configMap: { name: rootCAConfigMapName, items: [{ key: rootCAKey, path: rootCAKey }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}
