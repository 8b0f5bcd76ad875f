// First-start state, created once and kept across restarts: the CA and serving certificate,
// the namespaces and default RBAC policy every cluster has, the published timing profile, the
// admin credential in `<data-dir>/admin.kubeconfig`, and the control-plane components' own.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Profile, profileConfigMap, profileToData } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { writeFileAtomic } from '../client/atomic-file.js';
import { buildKubeconfig, type KubeconfigSpec, loadKubeconfig } from '../client/kubeconfig.js';
import type { ApiServerOptions } from './api-server-options.js';
import type { TokenAuthenticator, UserInfo } from './authn.js';
import type { ServingPki } from './pki.js';
import { controllerManagerUser, reconcileBootstrapPolicy, schedulerUser } from './rbac/bootstrap-policy.js';
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

/**
 * The data directory holds Secrets (state.db) and credentials (pki/, admin.kubeconfig): it and
 * everything in it are made private to the server's user, whatever modes an earlier version, a
 * umask or a hand-made directory left (SQLite creates its files with the process umask).
 */
export async function secureDataDir(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await chmod(path, 0o700);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
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
  await reconcileBootstrapPolicy(registry);
  const cmInfo = resource.configMaps;
  // A fresh body per write: the registry fills in a body's metadata (a create gives it a uid,
  // which the update after an AlreadyExists would then send as a change of uid).
  const profileObject = () => ({
    metadata: { name: profileConfigMap.name, namespace: profileConfigMap.namespace },
    data: profileToData(profile),
  });
  try {
    await registry.create(cmInfo, profileConfigMap.namespace, profileObject());
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    await registry.update(cmInfo, profileConfigMap.namespace, profileConfigMap.name, profileObject());
  }
}

/** Atomic: whoever waits for a kubeconfig (`kubelab up` on sim, bootstrap over SSH) must never
 * read it half-written — seen as an empty kubeconfig under load. */
async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  await writeFileAtomic(path, buildKubeconfig(spec));
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
  const token = await tokenFor(path, { name: 'kubelab-admin', groups: ['system:masters'] }, tokens);
  await writeKubeconfig(path, { server: url, caData: caPem, token, clusterName: o.clusterName ?? 'kubelab' });
  return { path, token };
}

/**
 * The scheduler and the controller manager run as their own users, whose rights are their
 * ClusterRoles (rbac/bootstrap-policy.ts), as kube's do. A start keeps a token that still
 * works (several API servers on one store must not revoke each other's) and issues one when
 * there is none; the kubeconfigs are only read by this process's threads.
 */
export async function bootstrapComponentKubeconfigs(
  o: ApiServerOptions,
  url: string,
  caPem: string,
  tokens: TokenAuthenticator,
): Promise<{ scheduler: string; controllerManager: string }> {
  const write = async (file: string, user: string) => {
    const path = join(o.dataDir, file);
    const token = await tokenFor(path, { name: user, groups: [] }, tokens);
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

/** The token of an existing kubeconfig when it still authenticates as `user`, else a new one. */
async function tokenFor(kubeconfigPath: string, user: UserInfo, tokens: TokenAuthenticator): Promise<string> {
  if (existsSync(kubeconfigPath)) {
    const existing = loadKubeconfig(kubeconfigPath).token;
    if (existing && tokens.authenticate(`Bearer ${existing}`)?.name === user.name) return existing;
  }
  return tokens.issue(user);
}
