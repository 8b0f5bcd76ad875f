// First-start state, created once and kept across restarts: the CA and serving certificate,
// the namespaces every cluster has, the published timing profile, and the admin credential in
// `<data-dir>/admin.kubeconfig`.
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Profile, profileConfigMap, profileToData } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { buildKubeconfig, loadKubeconfig } from '../client/kubeconfig.js';
import type { ApiServerOptions } from './api-server-options.js';
import type { TokenAuthenticator } from './authn.js';
import type { ServingPki } from './pki.js';
import type { Registry } from './registry.js';

const bootstrapNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The data directory and the cluster's certificates (kept if they exist). */
export async function bootstrapPki(o: ApiServerOptions): Promise<ServingPki> {
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const host = o.host ?? '0.0.0.0';
  const sans = [hostname(), ...(host !== '0.0.0.0' && host !== '::' ? [host] : []), ...(o.extraSans ?? [])];
  // Loaded on demand: the X.509 stack is only needed by the server, not by every CLI command.
  const { ensureServingPki } = await import('./pki.js');
  return ensureServingPki(join(o.dataDir, 'pki'), sans);
}

/** Creates what every cluster has (namespaces) and publishes the active profile. */
export async function bootstrapObjects(registry: Registry, profile: Profile): Promise<void> {
  for (const name of bootstrapNamespaces) {
    try {
      await registry.create(resource.namespaces, undefined, { metadata: { name } });
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
  }
  const cmInfo = resource.configMaps;
  const profileObject = {
    metadata: { name: profileConfigMap.name, namespace: profileConfigMap.namespace },
    data: profileToData(profile),
  };
  try {
    await registry.create(cmInfo, profileConfigMap.namespace, profileObject);
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    await registry.update(cmInfo, profileConfigMap.namespace, profileConfigMap.name, profileObject);
  }
}

/**
 * The admin credential is created once; later starts keep the existing kubeconfig's token
 * valid and rewrite the file only to refresh the server address.
 */
export async function bootstrapAdminKubeconfig(
  o: ApiServerOptions,
  url: string,
  caPem: string,
  tokens: TokenAuthenticator,
): Promise<{ path: string; token: string }> {
  const path = join(o.dataDir, 'admin.kubeconfig');
  const token = await adminTokenFor(path, tokens);
  // Written aside and renamed into place: whoever waits for this file (`kubelab up` on sim,
  // bootstrap over SSH) must never read it half-written — seen as an empty kubeconfig under load.
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(
    partial,
    buildKubeconfig({ server: url, caData: caPem, token, clusterName: o.clusterName ?? 'kubelab' }),
    { mode: 0o600 },
  );
  await rename(partial, path);
  return { path, token };
}

async function adminTokenFor(kubeconfigPath: string, tokens: TokenAuthenticator): Promise<string> {
  if (existsSync(kubeconfigPath)) {
    const existing = loadKubeconfig(kubeconfigPath).token;
    if (existing && tokens.authenticate(`Bearer ${existing}`)) return existing;
  }
  return tokens.issue({ name: 'kubelab-admin', groups: ['system:masters'] });
}
