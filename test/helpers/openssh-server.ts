// A real OpenSSH server for tests: `sshd -D` on 127.0.0.1 and a free port, with its host key,
// authorized keys, config and pid file in a folder of the test's own. Needs root (sshd drops
// privileges per connection) and Debian's openssh-server package.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';

export const sshdPath = '/usr/sbin/sshd';

export interface OpenSshServerOptions {
  /** Where its files go (created if missing). */
  dir: string;
  /** authorized_keys lines, for every user. */
  authorizedKeys: string[];
  /** OpenSSH private host key; a new ed25519 key when omitted. */
  hostKey?: string;
  /** Offer the SFTP subsystem (default true). */
  sftp?: boolean;
  /** Listen on this port (default: a free one). */
  port?: number;
}

export interface OpenSshServer {
  port: number;
  /** The listening sshd; each connection is served by a child process of it. */
  pid: number;
  /** The host key's public half, `ssh-ed25519 AAAA...`, as sshd presents it. */
  hostPublicKey: string;
  hostKeyPath: string;
  /** What sshd printed (it runs with -e), for failing tests. */
  log(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startOpenSshServer(options: OpenSshServerOptions): Promise<OpenSshServer> {
  if (!existsSync(sshdPath))
    throw new Error(
      `${sshdPath} is missing: install Debian's openssh-server (apt-get install -y openssh-server)`,
    );
  // sshd's privilege separation folder; a fresh machine has it only once sshd ran as a service.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  await mkdir(options.dir, { recursive: true });
  const hostKey =
    options.hostKey ?? ssh2.utils.generateKeyPairSync('ed25519', { comment: 'test-host' }).private;
  const parsed = ssh2.utils.parseKey(hostKey);
  if (parsed instanceof Error) throw parsed;
  const hostKeyPath = join(options.dir, 'ssh_host_ed25519_key');
  const authorizedKeysPath = join(options.dir, 'authorized_keys');
  const configPath = join(options.dir, 'sshd_config');
  await writeFile(hostKeyPath, hostKey, { mode: 0o600 });
  await writeFile(authorizedKeysPath, `${options.authorizedKeys.join('\n')}\n`, { mode: 0o600 });
  await writeFile(
    configPath,
    [
      'ListenAddress 127.0.0.1',
      `AuthorizedKeysFile ${authorizedKeysPath}`,
      `PidFile ${join(options.dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'LogLevel ERROR',
      ...(options.sftp === false ? [] : ['Subsystem sftp internal-sftp']),
      '',
    ].join('\n'),
  );
  const port = options.port ?? (await freePort());
  const child = spawn(sshdPath, ['-D', '-e', '-f', configPath, '-p', String(port), '-h', hostKeyPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  await waitForBanner(child, port, () => log);
  return {
    port,
    pid: child.pid!,
    hostPublicKey: `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`,
    hostKeyPath,
    log: () => log,
    stop: () => stopProcess(child),
  };
}

/** Waits until sshd answers with its SSH banner, or fails with what it printed when it exits. */
async function waitForBanner(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    if (await answersWithBanner(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopProcess(child);
  throw new Error(`sshd did not answer on 127.0.0.1:${port} within 10 s: ${log()}`);
}

function answersWithBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('data', (d: Buffer) => done(d.toString().startsWith('SSH-')));
    socket.on('error', () => done(false));
  });
}

/**
 * Stops sshd once the connections it serves have ended (for up to 2 s): a connection's sshd
 * outliving the listener is re-parented to PID 1, which in some sandboxes never reaps it.
 */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline && hasChildren(child.pid!)) await new Promise((r) => setTimeout(r, 50));
  if (child.exitCode !== null || child.signalCode !== null) return;
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function hasChildren(pid: number): boolean {
  try {
    return (
      execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)])
        .toString()
        .trim() !== ''
    );
  } catch {
    return false; // ps exits 1 when it lists nothing
  }
}
