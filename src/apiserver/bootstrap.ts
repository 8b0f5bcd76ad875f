// First-start state, created once and kept across restarts: the CA and serving certificate,
// the namespaces and default RBAC policy every cluster has, the published timing profile, the
// admin credential in `<data-dir>/admin.kubeconfig`, and the control-plane components' own.
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Profile, profileConfigMap, profileToData } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { buildKubeconfig, type KubeconfigSpec, loadKubeconfig } from '../client/kubeconfig.js';
import type { ApiServerOptions } from './api-server-options.js';
import type { TokenAuthenticator } from './authn.js';
import { controllerManagerUser, reconcileBootstrapPolicy, schedulerUser } from './rbac/bootstrap-policy.js';
import type { Registry } from './registry.js';

const bootstrapNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface ServingPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The data directory and the certificates the server listens with (kept if they exist). */
export async function bootstrapPki(o: ApiServerOptions): Promise<ServingPki> {
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const host = o.host ?? '0.0.0.0';
  const sans = [hostname(), ...(host !== '0.0.0.0' && host !== '::' ? [host] : []), ...(o.extraSans ?? [])];
  // Loaded on demand: the X.509 stack is only needed by the server, not by every CLI command.
  const { ensureServingPki } = await import('./pki.js');
  return ensureServingPki(join(o.dataDir, 'pki'), sans);
}

/**
 * Creates what every cluster has (namespaces, the default RBAC policy, reconciled on every
 * start) and publishes the active profile.
 */
export async function bootstrapObjects(registry: Registry, profile: Profile): Promise<void> {
  for (const name of bootstrapNamespaces) {
    try {
      await registry.create(resource.namespaces, undefined, { metadata: { name } });
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
  }
  await reconcileBootstrapPolicy(registry);
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

/** Written aside and renamed into place: whoever waits for a kubeconfig (`kubelab up` on sim,
 * bootstrap over SSH) must never read it half-written — seen as an empty kubeconfig under load. */
async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, buildKubeconfig(spec), { mode: 0o600 });
  await rename(partial, path);
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
  await writeKubeconfig(path, { server: url, caData: caPem, token, clusterName: o.clusterName ?? 'kubelab' });
  return { path, token };
}

/**
 * The scheduler and the controller manager run as their own users, whose rights are their
 * ClusterRoles (rbac/bootstrap-policy.ts), as kube's do. Each start issues fresh tokens
 * (replacing the last ones): the kubeconfigs are only read by this process's threads.
 */
export async function bootstrapComponentKubeconfigs(
  o: ApiServerOptions,
  url: string,
  caPem: string,
  tokens: TokenAuthenticator,
): Promise<{ scheduler: string; controllerManager: string }> {
  const write = async (file: string, user: string) => {
    const path = join(o.dataDir, file);
    const token = await tokens.issue({ name: user, groups: [] }, { replace: true });
    await writeKubeconfig(path, {
      server: url,
      caData: caPem,
      token,
      clusterName: o.clusterName ?? 'kubelab',
      userName: user,
    });
    return path;
  };
  return {
    scheduler: await write('scheduler.kubeconfig', schedulerUser),
    controllerManager: await write('controller-manager.kubeconfig', controllerManagerUser),
  };
}

async function adminTokenFor(kubeconfigPath: string, tokens: TokenAuthenticator): Promise<string> {
  if (existsSync(kubeconfigPath)) {
    const existing = loadKubeconfig(kubeconfigPath).token;
    if (existing && tokens.authenticate(`Bearer ${existing}`)) return existing;
  }
  return tokens.issue({ name: 'kubelab-admin', groups: ['system:masters'] });
}
