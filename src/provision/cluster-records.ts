// Cluster records on disk: `$KUBELAB_HOME/clusters/<name>/` holds a cluster's kubeconfig,
// pki/, ssh/ and cluster.json (provider, machines, addresses); `$KUBELAB_HOME/current`
// names the cluster commands act on when no --kubeconfig is given.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubelabHome } from '../client/kubelab-home.js';

export interface MachineRecord {
  name: string;
  role: 'control-plane' | 'worker';
  /** Process id for machines that are local processes (the sim provider). */
  pid?: number;
  /** Where the other machines reach it (its Node's InternalIP). */
  address?: string;
  /** Machine providers: how this computer reaches its SSH server. */
  ssh?: { address: string; port: number; user: string; privateKeyPath: string };
  /** Machine providers' control plane: where this computer reaches the API server, if not address:6443. */
  apiEndpoint?: { host: string; port: number };
}

export interface ClusterRecord {
  name: string;
  provider: string;
  createdAt: string;
  /** The API server URL as the CLI reaches it. */
  server: string;
  machines: MachineRecord[];
}

export function clusterDir(name: string): string {
  return join(kubelabHome(), 'clusters', name);
}

export function clusterKubeconfigPath(name: string): string {
  return join(clusterDir(name), 'kubeconfig');
}

export async function readClusterRecord(name: string): Promise<ClusterRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(clusterDir(name), 'cluster.json'), 'utf8')) as ClusterRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${join(clusterDir(name), 'cluster.json')}: ${(e as Error).message}`);
  }
}

export async function writeClusterRecord(record: ClusterRecord): Promise<void> {
  await mkdir(clusterDir(record.name), { recursive: true, mode: 0o700 });
  await writeFile(join(clusterDir(record.name), 'cluster.json'), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeClusterRecord(name: string): Promise<void> {
  await rm(clusterDir(name), { recursive: true, force: true });
  if ((await currentClusterName()) === name) await rm(join(kubelabHome(), 'current'), { force: true });
}

export async function listClusterNames(): Promise<string[]> {
  try {
    const names = await readdir(join(kubelabHome(), 'clusters'));
    return names.filter((n) => existsSync(join(clusterDir(n), 'cluster.json'))).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function currentClusterName(): Promise<string | undefined> {
  try {
    return (await readFile(join(kubelabHome(), 'current'), 'utf8')).trim() || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function setCurrentCluster(name: string): Promise<void> {
  await mkdir(kubelabHome(), { recursive: true, mode: 0o700 });
  await writeFile(join(kubelabHome(), 'current'), `${name}\n`);
}
