// The SSH layer bootstrap uses, against a real OpenSSH server started for the test on
// 127.0.0.1 (the "machine" is this computer, so what a command or upload did can be checked
// directly on the local file system).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectToMachine,
  ensureSshKeyPair,
  MachineStepError,
  parseOsRelease,
  readHostKeyPins,
  readMachineFacts,
  type SshConnection,
  type SshEndpoint,
  sshExec,
  sshRun,
  uploadToMachine,
} from '../../src/provision/ssh/index.js';
import { freePort, type OpenSshServer, startOpenSshServer } from '../helpers/openssh-server.js';
import { until } from '../helpers/until.js';

let dir: string;
let knownHostsPath: string;
let userKey: { privateKeyPath: string; publicKey: string };
let server: OpenSshServer;
const servers: OpenSshServer[] = [];
const connections: SshConnection[] = [];

async function startServer(options: { sftp?: boolean; port?: number; hostKey?: string } = {}) {
  const started = await startOpenSshServer({
    dir: join(dir, `sshd-${servers.length}`),
    authorizedKeys: [userKey.publicKey],
    ...options,
  });
  servers.push(started);
  return started;
}

function endpoint(port = server.port, privateKeyPath = userKey.privateKeyPath): SshEndpoint {
  return { address: '127.0.0.1', port, user: 'root', privateKeyPath };
}

async function connect(name: string, at: SshEndpoint = endpoint(), deadlineMs = 10_000) {
  const connection = await connectToMachine(name, at, { knownHostsPath, deadlineMs });
  connections.push(connection);
  return connection;
}

/** The rejection of `promise`, which must be a MachineStepError. */
async function stepError(promise: Promise<unknown>): Promise<MachineStepError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MachineStepError);
  return error as MachineStepError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'kubelab-ssh-'));
  knownHostsPath = join(dir, 'cluster', 'ssh', 'known_hosts');
  userKey = await ensureSshKeyPair(join(dir, 'cluster', 'ssh', 'id_ed25519'), 'kubelab@test');
  server = await startServer();
});

afterAll(async () => {
  for (const c of connections) c.close();
  await Promise.all(servers.map((s) => s.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('connecting and pinning host keys', () => {
  it('pins the host key on first use in OpenSSH known_hosts form, and accepts it afterwards', async () => {
    const first = await connect('worker-1');
    expect(first.pinnedNow).toBe(true);
    // The fingerprint is what OpenSSH itself prints for the server's key.
    const keygen = execFileSync('ssh-keygen', ['-lf', '-'], { input: server.hostPublicKey }).toString();
    expect(keygen.split(' ')[1]).toBe(first.hostKeyFingerprint);
    // Real ssh finds the pin under the machine's name (HostKeyAlias), so the file is its format.
    const found = execFileSync('ssh-keygen', ['-F', 'worker-1', '-f', knownHostsPath]).toString();
    expect(found).toContain(server.hostPublicKey);
    expect((await stat(knownHostsPath)).mode & 0o777).toBe(0o600);

    const again = await connect('worker-1');
    expect(again.pinnedNow).toBe(false);
    expect(again.hostKeyFingerprint).toBe(first.hostKeyFingerprint);
    expect((await readHostKeyPins(knownHostsPath)).filter((p) => p.name === 'worker-1')).toHaveLength(1);
  });

  it('pins machines connected in parallel each once, in the one file', async () => {
    const names = ['par-1', 'par-2', 'par-3', 'par-4'];
    await Promise.all(names.flatMap((n) => [connect(n), connect(n)]));
    const pins = await readHostKeyPins(knownHostsPath);
    for (const n of names) expect(pins.filter((p) => p.name === n)).toHaveLength(1);
  });

  it('refuses a changed host key, says what changed and how to proceed, and pins again once the line is gone', async () => {
    const before = await startServer();
    (await connect('worker-2', endpoint(before.port))).close();
    await before.stop();
    // The "machine" recreated: same address and port, new host key.
    const after = await startServer({ port: before.port });

    const error = await stepError(connectToMachine('worker-2', endpoint(after.port), { knownHostsPath }));
    expect(error.failure).toBe('host-key-changed');
    expect(error.step).toBe('connect');
    const oldFingerprint = execFileSync('ssh-keygen', ['-lf', '-'], { input: before.hostPublicKey })
      .toString()
      .split(' ')[1]!;
    const newFingerprint = execFileSync('ssh-keygen', ['-lf', '-'], { input: after.hostPublicKey })
      .toString()
      .split(' ')[1]!;
    expect(error.message).toContain(`worker-2 (127.0.0.1:${after.port}): connect: its host key changed`);
    expect(error.message).toContain(`pins ssh-ed25519 ${oldFingerprint}`);
    expect(error.message).toContain(`now presents ssh-ed25519 ${newFingerprint}`);
    expect(error.message).toContain(`sed -i '/^worker-2 /d' ${knownHostsPath}`);

    // Following the message's advice works.
    execFileSync('sh', ['-c', `sed -i '/^worker-2 /d' ${knownHostsPath}`]);
    const repinned = await connect('worker-2', endpoint(after.port));
    expect(repinned.pinnedNow).toBe(true);
    expect(repinned.hostKeyFingerprint).toBe(newFingerprint);
    // The other machines' pins are untouched.
    expect((await readHostKeyPins(knownHostsPath)).some((p) => p.name === 'worker-1')).toBe(true);
  });

  it('refuses a key the machine does not accept at once, without retrying', async () => {
    const stranger = await ensureSshKeyPair(join(dir, 'stranger', 'id_ed25519'), 'stranger');
    const retries: string[] = [];
    const started = Date.now();
    const error = await stepError(
      connectToMachine('worker-1', endpoint(server.port, stranger.privateKeyPath), {
        knownHostsPath,
        deadlineMs: 30_000,
        onRetry: (w) => retries.push(w.reason),
      }),
    );
    expect(error.failure).toBe('authentication');
    expect(error.message).toContain(
      `worker-1 (127.0.0.1:${server.port}): connect: the machine refused the key`,
    );
    expect(error.message).toContain(stranger.privateKeyPath);
    expect(retries).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('retries a refused connection until the deadline, then fails naming the machine', async () => {
    const port = await freePort();
    const retries: string[] = [];
    const started = Date.now();
    const error = await stepError(
      connectToMachine('worker-9', endpoint(port), {
        knownHostsPath,
        deadlineMs: 2_000,
        onRetry: (w) => retries.push(w.reason),
      }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toBe('connection refused');
    expect(error.failure).toBe('unreachable');
    expect(error.message).toMatch(
      new RegExp(
        `^worker-9 \\(127\\.0\\.0\\.1:${port}\\): connect: connection refused, still after [\\d.]+ s \\(\\d+ tries\\) — is the machine up\\? \\(kubelab status\\)$`,
      ),
    );
  });

  it('connects once a machine that is still booting starts answering', async () => {
    const port = await freePort();
    const retries: string[] = [];
    // The machine comes up once the client has been refused twice (it keeps trying meanwhile).
    const booting = until('two refused tries', () => retries.length >= 2).then(() => startServer({ port }));
    const connection = await connectToMachine('late-1', endpoint(port), {
      knownHostsPath,
      deadlineMs: 20_000,
      onRetry: (w) => retries.push(w.reason),
    });
    connections.push(connection);
    await booting;
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect((await sshRun(connection, 'echo up')).stdout).toBe('up\n');
  });

  it('names the machine when its private key file is missing', async () => {
    const error = await stepError(connect('worker-1', endpoint(server.port, join(dir, 'no-such-key'))));
    expect(error.failure).toBe('ssh');
    expect(error.message).toMatch(/^worker-1 \(127\.0\.0\.1:\d+\): connect: cannot read the private key/);
  });
});

describe('running commands', () => {
  let machine: SshConnection;
  beforeAll(async () => {
    machine = await connect('worker-1');
  });

  it('collects stdout, stderr and the exit code', async () => {
    const result = await sshExec(machine, 'echo out; echo err >&2; exit 3');
    expect(result).toEqual({ exitCode: 3, signal: undefined, stdout: 'out\n', stderr: 'err\n' });
  });

  it('throws for a failing command with the machine, the step and its last lines', async () => {
    const error = await stepError(
      sshRun(machine, 'echo working; echo "E: no such package" >&2; exit 100', {
        step: 'install Docker Engine',
      }),
    );
    expect(error.failure).toBe('command-failed');
    expect(error.step).toBe('install Docker Engine');
    expect(error.message).toBe(
      `worker-1 (127.0.0.1:${server.port}): install Docker Engine: ` +
        '`echo working; echo "E: no such package" >&2; exit 100` exited with 100:\n  E: no such package',
    );
  });

  it('feeds stdin (text or a stream) and passes output on line by line', async () => {
    const lines: string[] = [];
    const result = await sshExec(machine, "cat; printf 'warn 1\\nwarn 2' >&2", {
      stdin: 'a\nb\nc',
      onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    });
    expect(result.stdout).toBe('a\nb\nc');
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout: a', 'stdout: b', 'stdout: c']);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual(['stderr: warn 1', 'stderr: warn 2']);

    const big = randomBytes(300_000).toString('hex');
    const streamed = await sshRun(machine, 'sha256sum', {
      stdin: Readable.from([big.slice(0, 1000), big.slice(1000)]),
    });
    const expected = execFileSync('sha256sum', { input: big }).toString();
    expect(streamed.stdout).toBe(expected);
  });

  it('ends a command that runs past its timeout, and the connection stays usable', async () => {
    const marker = `${Date.now() % 100_000}.25`;
    const error = await stepError(sshRun(machine, `sleep ${marker}`, { timeoutMs: 500 }));
    expect(error.failure).toBe('timeout');
    expect(error.message).toContain('still running after 0.5 s');
    // The machine ends the command itself a little later: it is not left behind. ([s] keeps
    // pgrep from finding the shell that runs it.)
    await until(
      'the timed-out command to end',
      async () => {
        return (await sshExec(machine, `pgrep -f '[s]leep ${marker}'`)).exitCode === 1;
      },
      5_000,
      200,
    );
    expect((await sshRun(machine, 'id -u', { asRoot: true })).stdout).toBe('0\n');
  });
});

describe('losing a machine', () => {
  it('fails a running command saying the connection was lost', async () => {
    const doomed = await startServer();
    const machine = await connect('doomed-1', endpoint(doomed.port));
    // A duration no other process on this machine is sleeping, to find this command by.
    const duration = `8.${process.pid}`;
    const running = sshExec(machine, `sleep ${duration}`, { step: 'install Docker Engine' });
    await until('the command running on the machine', () => {
      try {
        execFileSync('pgrep', ['-f', `^sleep ${duration}$`]);
        return true;
      } catch {
        return false;
      }
    });
    // The machine "powers off": end the sshd processes serving this connection (our own sshd's children).
    for (const pid of execFileSync('ps', ['-o', 'pid=', '--ppid', String(doomed.pid)])
      .toString()
      .split(/\s+/))
      if (pid) process.kill(Number(pid), 'SIGKILL');
    const error = await stepError(running);
    expect(error.failure).toBe('ssh');
    expect(error.message).toMatch(
      /^doomed-1 \(127\.0\.0\.1:\d+\): install Docker Engine: the connection was lost while the command ran/,
    );
    expect(machine.lost).toBeDefined();
    const next = await stepError(sshExec(machine, 'true'));
    expect(next.message).toContain('the connection is gone');
  });
});

describe('uploading files', () => {
  let machine: SshConnection;
  let target: string;
  beforeAll(async () => {
    machine = await connect('worker-1');
    target = join(dir, 'remote', 'opt', 'kubelab', 'kubelab-agent.mjs');
  });

  it('uploads bytes with a mode, through a temporary name, with byte progress', async () => {
    const content = randomBytes(200_000);
    const progress: number[] = [];
    const result = await uploadToMachine(machine, content, target, {
      mode: 0o750,
      onProgress: (p) => {
        expect(p.totalBytes).toBe(content.length);
        progress.push(p.sentBytes);
      },
    });
    expect(result).toMatchObject({ uploaded: true, via: 'sftp', bytes: content.length });
    expect(await readFile(target)).toEqual(content);
    expect((await stat(target)).mode & 0o7777).toBe(0o750);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(content.length);
    expect(progress.length).toBeGreaterThan(3);
    expect(await readdir(join(dir, 'remote', 'opt', 'kubelab'))).toEqual(['kubelab-agent.mjs']);
  });

  it('skips bytes the machine already has, still correcting the mode', async () => {
    const content = await readFile(target);
    const unchanged = await uploadToMachine(machine, content, target, { mode: 0o750 });
    expect(unchanged.uploaded).toBe(false);
    const modeOnly = await uploadToMachine(machine, content, target, { mode: 0o644 });
    expect(modeOnly.uploaded).toBe(false);
    expect((await stat(target)).mode & 0o7777).toBe(0o644);
  });

  it('uploads a local file, replacing different content', async () => {
    const local = join(dir, 'local-bundle.mjs');
    await writeFile(local, `console.log(${JSON.stringify(randomBytes(40_000).toString('base64'))});\n`);
    const result = await uploadToMachine(machine, { path: local }, target, { mode: 0o755 });
    expect(result.uploaded).toBe(true);
    expect(await readFile(target)).toEqual(await readFile(local));
    expect((await stat(target)).mode & 0o7777).toBe(0o755);
  });

  it('names the machine and the file when the remote path cannot be written', async () => {
    await mkdir(join(dir, 'remote'), { recursive: true });
    await writeFile(join(dir, 'remote', 'a-file'), 'not a folder');
    const error = await stepError(
      uploadToMachine(machine, Buffer.from('x'), join(dir, 'remote', 'a-file', 'inside'), { mode: 0o644 }),
    );
    expect(error.message).toMatch(
      new RegExp(`^worker-1 \\(127\\.0\\.0\\.1:\\d+\\): upload ${join(dir, 'remote', 'a-file', 'inside')}: `),
    );
    expect(error.message).toContain('mkdir: cannot create directory');
  });

  it('falls back to `cat` over exec when the server has no SFTP subsystem', async () => {
    const plain = await startServer({ sftp: false });
    const noSftp = await connect('no-sftp-1', endpoint(plain.port));
    const content = randomBytes(150_000);
    const path = join(dir, 'remote', 'no-sftp', 'node.tar.xz');
    const progress: number[] = [];
    const result = await uploadToMachine(noSftp, content, path, {
      mode: 0o600,
      onProgress: (p) => progress.push(p.sentBytes),
    });
    expect(result).toMatchObject({ uploaded: true, via: 'exec' });
    expect(await readFile(path)).toEqual(content);
    expect((await stat(path)).mode & 0o7777).toBe(0o600);
    expect(progress.at(-1)).toBe(content.length);
    expect((await uploadToMachine(noSftp, content, path, { mode: 0o600 })).uploaded).toBe(false);
    const changed = randomBytes(1000);
    expect(await uploadToMachine(noSftp, changed, path, { mode: 0o600 })).toMatchObject({ via: 'exec' });
    expect(await readFile(path)).toEqual(changed);
  });
});

describe('machine facts', () => {
  it("reads this machine's facts in one round-trip, matching what Node sees locally", async () => {
    const machine = await connect('worker-1');
    const facts = await readMachineFacts(machine);
    const osRelease = parseOsRelease(await readFile('/etc/os-release', 'utf8'));
    expect(facts.os).toEqual({
      id: osRelease.ID,
      idLike: (osRelease.ID_LIKE ?? '').split(' ').filter(Boolean),
      versionId: osRelease.VERSION_ID,
      prettyName: osRelease.PRETTY_NAME,
    });
    expect(facts.machine).toBe(execFileSync('uname', ['-m']).toString().trim());
    expect(facts.architecture).toBe({ x64: 'amd64', arm64: 'arm64' }[os.arch() as string]);
    expect(facts.kernel).toBe(os.release());
    expect(facts.initSystem).toBe(existsSync('/run/systemd/system') ? 'systemd' : 'other');
    expect(facts.rootAccess).toBe('root');
    expect(facts.memory.totalBytes).toBe(os.totalmem());
    expect(facts.memory.availableBytes).toBeGreaterThan(0);
    expect(facts.memory.availableBytes).toBeLessThanOrEqual(facts.memory.totalBytes);
    expect(facts.cpus).toBe(os.availableParallelism());
    // sshd's sessions get the default PATH, which has /usr/local/bin, where this Node lives.
    if (process.execPath === '/usr/local/bin/node')
      expect(facts.node).toEqual({ version: process.version, usable: true });
    const localDocker = (() => {
      try {
        return execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe' })
          .toString()
          .trim();
      } catch {
        return undefined;
      }
    })();
    expect(facts.docker.serverVersion).toBe(localDocker || undefined);
  });
});
