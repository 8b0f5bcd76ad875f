// The Node runtime bootstrap uploads to a machine that has none >= 22.13 (Debian bookworm ships
// 18). For a machine of this computer's own architecture it is the Node binary running kubelab
// right now — already here, no download, and the version kubelab is tested with. For another
// architecture it is the official build of the same version for that architecture, fetched
// once from the npm registry (the `node-linux-<arch>` packages Node publishes there; the npm
// registry is reachable where nodejs.org may not be) and cached under KUBELAB_HOME.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubelabHome } from '../../client/kubelab-home.js';

const run = promisify(execFile);

/** Where the runtime lives on a machine (bootstrap's systemd units start it from here). */
export const remoteNodePath = '/opt/kubelab/node/bin/node';

/** Node's process.arch for Kubernetes' architecture names. */
const nodeArchOf: Record<string, string> = { amd64: 'x64', arm64: 'arm64', ppc64le: 'ppc64', s390x: 's390x' };

export interface NodeRuntimeBuild {
  path: string;
  version: string;
  /** Where it came from, for progress lines. */
  source: 'this computer' | 'npm registry (cached)' | 'npm registry';
}

/** A Node binary for a Linux machine of `architecture` (Kubernetes' name: amd64, arm64...). */
export async function nodeRuntimeFor(architecture: string): Promise<NodeRuntimeBuild> {
  const version = process.version;
  const nodeArch = nodeArchOf[architecture];
  if (!nodeArch)
    throw new Error(
      `no Node build for architecture ${architecture}: install Node >= 22.13 on the machine yourself and run \`kubelab up\` again`,
    );
  if (platform() === 'linux' && arch() === nodeArch)
    return { path: process.execPath, version, source: 'this computer' };
  const dir = join(kubelabHome(), 'cache', 'node', `${version}-linux-${nodeArch}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return { path: binary, version, source: 'npm registry (cached)' };
  await mkdir(dir, { recursive: true });
  const pkg = `node-linux-${nodeArch}@${version.slice(1)}`;
  try {
    await run('npm', ['pack', pkg, '--pack-destination', dir, '--silent'], { timeout: 300_000 });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    await run('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/bin/node'], { timeout: 120_000 });
    await rm(join(dir, tarball));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `cannot fetch ${pkg} from the npm registry for a ${architecture} machine: ${(e as Error).message.split('\n')[0]} (check \`npm ping\`, or install Node >= 22.13 on the machine)`,
    );
  }
  return { path: binary, version, source: 'npm registry' };
}
