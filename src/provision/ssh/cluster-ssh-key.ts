// A cluster's SSH identity and host key pins live in its record folder,
// `$KUBELAB_HOME/clusters/<name>/ssh/`: one ed25519 key pair made when the cluster is first
// created (providers install its public half as the machines' authorized key) and the
// known_hosts file of its machines. `kubelab down` removes the folder, and with it both.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import { clusterDir } from '../cluster-records.js';

export interface ClusterSshFiles {
  dir: string;
  /** OpenSSH private key (`ssh -i` takes it too). */
  privateKeyPath: string;
  /** Its authorized_keys line. */
  publicKeyPath: string;
  /** The pinned host keys of the cluster's machines (see known-hosts.ts). */
  knownHostsPath: string;
}

export function clusterSshFiles(clusterName: string): ClusterSshFiles {
  const dir = join(clusterDir(clusterName), 'ssh');
  return {
    dir,
    privateKeyPath: join(dir, 'id_ed25519'),
    publicKeyPath: join(dir, 'id_ed25519.pub'),
    knownHostsPath: join(dir, 'known_hosts'),
  };
}

export interface SshKeyPair {
  privateKeyPath: string;
  /** The public key as one authorized_keys line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
}

/**
 * The key pair at `privateKeyPath` (and `<path>.pub`), made now if there is none. An existing
 * key is always kept: the machines already trust it, so `kubelab up` on an existing cluster
 * must not replace it. ed25519 because its public key is short enough for a kernel command line
 * (how qemu machines receive it) and every OpenSSH since 6.5 accepts it.
 */
export async function ensureSshKeyPair(privateKeyPath: string, comment: string): Promise<SshKeyPair> {
  await mkdir(dirname(privateKeyPath), { recursive: true, mode: 0o700 });
  let privateKey: string;
  try {
    const made = generateUsableEd25519(comment);
    // 'wx': two commands starting at once must not both write; the loser uses the winner's key.
    await writeFile(privateKeyPath, made.private, { mode: 0o600, flag: 'wx' });
    privateKey = made.private;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    privateKey = await readFile(privateKeyPath, 'utf8');
  }
  const publicKey = authorizedKeyLine(privateKey, privateKeyPath);
  const publicKeyPath = `${privateKeyPath}.pub`;
  const written = await readFile(publicKeyPath, 'utf8').catch(() => '');
  // The .pub file is derived from the private key every time, so it can never disagree with it.
  if (written.trim() !== publicKey) await writeFile(publicKeyPath, `${publicKey}\n`, { mode: 0o644 });
  return { privateKeyPath, publicKey };
}

/**
 * An ed25519 pair ssh2 itself can read back. ssh2 1.17's generator drops a leading zero byte of
 * the public key, so about 1 pair in 256 is malformed (mscdex/ssh2#1390, #1513); a CI run met
 * one. Such a pair is thrown away and another made.
 */
function generateUsableEd25519(comment: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const made = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (
      !(ssh2.utils.parseKey(made.private) instanceof Error) &&
      !(ssh2.utils.parseKey(made.public) instanceof Error)
    )
      return made;
  }
  throw new Error('could not generate a usable ed25519 key pair in 20 tries');
}

/** The authorized_keys line of a private key. */
function authorizedKeyLine(privateKey: string, path: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`${path}: not a usable SSH private key: ${parsed.message}`);
  const line = `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
  return parsed.comment ? `${line} ${parsed.comment}` : line;
}
