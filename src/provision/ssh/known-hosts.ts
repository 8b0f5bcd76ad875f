// Host key pinning, trust on first use, as OpenSSH does it: the first connection to a machine
// records its host key, later connections must present the same key. Pins are kept per
// machine *name*, not per address: providers reuse addresses and forwarded ports (a qemu VM
// is 127.0.0.1:<some port>), while a machine's name is what a person knows it by.
//
// The file is OpenSSH's known_hosts format with the machine name as the host field, so real
// ssh checks the same pins: `ssh -o UserKnownHostsFile=FILE -o HostKeyAlias=worker-1 ...`.
//
// The contract: one file per cluster (`clusters/<name>/ssh/known_hosts`, the caller passes its
// path), one line per machine: `worker-1 ssh-ed25519 AAAA... SHA256:<fp> first seen at
// 10.0.0.3:22 <time>`. The first login to a name appends its line (serialised per file, so
// parallel workers never lose one); later logins must present the same key, and once pinned only
// that key's type is offered, as OpenSSH does. A different key is refused (`host-key-changed`)
// naming both fingerprints as `ssh-keygen -l` prints them, the file and line, and the way out
// (after recreating a machine: `sed -i '/^worker-1 /d' FILE`; `kubelab down` removes the file).
// A broken line is an error naming FILE:LINE, never skipped: skipping would re-pin silently.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ServerHostKeyAlgorithm } from 'ssh2';

export interface HostKeyPin {
  /** The machine name the key is pinned for. */
  name: string;
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`... */
  keyType: string;
  /** The key in SSH wire format (what the server sends during key exchange). */
  key: Buffer;
  /** 1-based line in the file, for messages that tell a person which line to delete. */
  line: number;
}

export type HostKeyCheck =
  | { status: 'first-use' }
  | { status: 'pinned'; pin: HostKeyPin }
  | { status: 'changed'; pins: HostKeyPin[] };

const fileHeader = [
  "# kubelab: the host keys of this cluster's machines, pinned on first connection (trust on first use).",
  '# One line per machine: <machine name> <key type> <key> <fingerprint> first seen at <address> <time>.',
  '# After recreating a machine, delete its line; kubelab pins the new key on the next connection.',
  '',
].join('\n');

/** `SHA256:<base64, no padding>`, exactly as `ssh-keygen -lf` and OpenSSH's warnings print it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a wire-format key (its first SSH string). */
export function hostKeyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  if (length === 0 || length > 64 || key.length < 4 + length) return 'unknown';
  return key.subarray(4, 4 + length).toString('latin1');
}

/**
 * The host key algorithms a key of this type can sign with. Offering only these once a machine
 * is pinned makes a server with several host keys present the pinned one, as OpenSSH does.
 */
export function hostKeyAlgorithmsFor(keyType: string): ServerHostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType as ServerHostKeyAlgorithm];
}

/**
 * What a machine name must look like to be a known_hosts host field: no spaces or commas, and
 * none of the characters OpenSSH gives a meaning there (markers, hashes, negation, patterns).
 */
export function machineNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    return `machine name "${name}" must be letters, digits, ".", "_" and "-", starting with a letter or digit`;
  return undefined;
}

/**
 * The pins in a known_hosts text. Lines that are not ours (hashed hosts, @cert-authority and
 * @revoked markers) are skipped; a line that is ours but broken is an error naming the line,
 * because skipping it would silently pin whatever key answers next.
 */
export function parseKnownHosts(text: string, source: string): HostKeyPin[] {
  const pins: HostKeyPin[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@') || line.startsWith('|')) return;
    const [hosts, keyType, base64] = line.split(/\s+/);
    const where = `${source}:${index + 1}`;
    if (!keyType || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64))
      throw new Error(`${where}: expected "<machine name> <key type> <base64 key> [comment]", got "${line}"`);
    const key = Buffer.from(base64, 'base64');
    if (hostKeyType(key) !== keyType)
      throw new Error(`${where}: the key is not a ${keyType} key (it says ${hostKeyType(key)})`);
    for (const name of hosts!.split(',')) pins.push({ name, keyType, key, line: index + 1 });
  });
  return pins;
}

/** Compares the key a machine presents with the pins for its name. */
export function checkHostKey(pins: readonly HostKeyPin[], name: string, key: Buffer): HostKeyCheck {
  const mine = pins.filter((p) => p.name === name);
  if (mine.length === 0) return { status: 'first-use' };
  const pin = mine.find((p) => p.key.equals(key));
  return pin ? { status: 'pinned', pin } : { status: 'changed', pins: mine };
}

/** One known_hosts line for a machine, with the fingerprint and where and when it was first seen. */
export function knownHostsLine(name: string, key: Buffer, seenAt: string, now = new Date()): string {
  return `${name} ${hostKeyType(key)} ${key.toString('base64')} ${hostKeyFingerprint(key)} first seen at ${seenAt} ${now.toISOString()}\n`;
}

/** The pins in the file; none when it does not exist yet. */
export async function readHostKeyPins(knownHostsPath: string): Promise<HostKeyPin[]> {
  try {
    return parseKnownHosts(await readFile(knownHostsPath, 'utf8'), knownHostsPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

// Workers are bootstrapped in parallel and share the cluster's one file: pinning is a
// read-check-append, so it runs one at a time per file (within this process).
const pinning = new Map<string, Promise<unknown>>();

/**
 * Records `key` for `name` unless a pin for that name exists. Resolves with the check made
 * under the lock: `first-use` (pinned now), `pinned` (it was already), or `changed` (another
 * connection pinned a different key meanwhile; nothing written).
 */
export function pinHostKey(
  knownHostsPath: string,
  name: string,
  key: Buffer,
  seenAt: string,
): Promise<HostKeyCheck> {
  const run = async (): Promise<HostKeyCheck> => {
    const pins = await readHostKeyPins(knownHostsPath);
    const check = checkHostKey(pins, name, key);
    if (check.status !== 'first-use') return check;
    await mkdir(dirname(knownHostsPath), { recursive: true, mode: 0o700 });
    // A short append is one write(2) with O_APPEND: another process appending cannot tear it.
    const header = pins.length === 0 && !(await fileHasContent(knownHostsPath)) ? fileHeader : '';
    await appendFile(knownHostsPath, header + knownHostsLine(name, key, seenAt), { mode: 0o600 });
    return check;
  };
  const previous = pinning.get(knownHostsPath) ?? Promise.resolve();
  const next = previous.then(run, run);
  const settled = next.catch(() => undefined);
  pinning.set(knownHostsPath, settled);
  void settled.then(() => {
    if (pinning.get(knownHostsPath) === settled) pinning.delete(knownHostsPath);
  });
  return next;
}

async function fileHasContent(path: string): Promise<boolean> {
  try {
    return (await readFile(path)).length > 0;
  } catch {
    return false;
  }
}
