// Putting a file on a machine: the kubelab bundles, a Node runtime, systemd units. Re-running
// `kubelab up` must be cheap and must never leave a half-written program behind, so an upload
// is skipped when the machine already has the same bytes (sha256), and otherwise goes to a
// temporary name in the same folder, is checked, and is renamed over the old file in one step.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SFTPWrapper } from 'ssh2';
import { formatSeconds } from './machine-step-error.js';
import { shellQuote } from './shell-quote.js';
import type { SshConnection } from './ssh-connection.js';
import { sshExec, sshRun } from './ssh-exec.js';

/** Bytes in memory, or a local file. */
export type UploadSource = Buffer | { path: string };

export interface UploadOptions {
  /** The file's permission bits on the machine, e.g. 0o755. */
  mode: number;
  /** The step named in errors (default `upload <remote path>`). */
  step?: string;
  /** After each chunk handed to SSH (and once at the start), for a byte progress bar. */
  onProgress?(progress: { sentBytes: number; totalBytes: number }): void;
  /** For the transfer (default 10 minutes). */
  timeoutMs?: number;
}

export interface UploadResult {
  /** False when the machine already had these bytes (its mode is still corrected). */
  uploaded: boolean;
  bytes: number;
  sha256: string;
  /** How the bytes went, when they did. */
  via?: 'sftp' | 'exec';
}

const chunkBytes = 64 * 1024;

// Servers without an SFTP subsystem (minimal images, some appliances) are remembered per
// connection so later uploads go straight to the exec path.
const withoutSftp = new WeakSet<SshConnection>();

/** Uploads `source` to the absolute `remotePath` (folders made as needed), owned by root. */
export async function uploadToMachine(
  connection: SshConnection,
  source: UploadSource,
  remotePath: string,
  options: UploadOptions,
): Promise<UploadResult> {
  const step = options.step ?? `upload ${remotePath}`;
  const timeoutMs = options.timeoutMs ?? 600_000;
  if (!posix.isAbsolute(remotePath) || remotePath.endsWith('/'))
    throw connection.error(step, 'ssh', `the remote path must be an absolute file path, not "${remotePath}"`);
  const local = await describeSource(source).catch((e: Error) => {
    throw connection.error(step, 'ssh', `cannot read the file to upload: ${e.message}`, e);
  });
  const mode = options.mode & 0o7777;
  const target = shellQuote(remotePath);
  const folder = shellQuote(posix.dirname(remotePath));

  const { stdout } = await sshRun(
    connection,
    `mkdir -p -- ${folder} && if [ -f ${target} ]; then sha256sum < ${target}; stat -c %a -- ${target}; fi`,
    { step, asRoot: true, timeoutMs: 60_000 },
  );
  const [remoteSha = '', remoteMode = ''] = stdout.split('\n').map((l) => l.trim());
  if (remoteSha.split(/\s/)[0] === local.sha256) {
    if (Number.parseInt(remoteMode, 8) !== mode)
      await sshRun(connection, `chmod ${mode.toString(8)} -- ${target}`, {
        step,
        asRoot: true,
        timeoutMs: 60_000,
      });
    return { uploaded: false, bytes: local.size, sha256: local.sha256 };
  }

  const temporaryPath = posix.join(
    posix.dirname(remotePath),
    `.${posix.basename(remotePath)}.kubelab-upload-${randomBytes(4).toString('hex')}`,
  );
  const temporary = shellQuote(temporaryPath);
  // The check catches a transfer cut short; the rename is what makes the new file appear whole.
  const install =
    `{ [ "$(sha256sum < ${temporary} | cut -c1-64)" = ${local.sha256} ] || ` +
    `{ rm -f -- ${temporary}; echo "the file arrived damaged (its sha256 differs); upload it again" >&2; exit 1; }; } && ` +
    `chmod ${mode.toString(8)} -- ${temporary} && mv -f -- ${temporary} ${target}`;
  const bytes = () => countBytes(openSource(source), local.size, options.onProgress);
  try {
    const sftp = connection.isRoot && !withoutSftp.has(connection) ? await openSftp(connection) : undefined;
    if (sftp) {
      const sending = Buffer.isBuffer(source)
        ? sendOverSftp(sftp, bytes(), temporaryPath, timeoutMs)
        : sendFileOverSftp(sftp, source.path, temporaryPath, local.size, timeoutMs, options.onProgress);
      await sending.catch((e: Error) => {
        throw e.name === 'AbortError' || e.name === 'TimeoutError'
          ? connection.error(
              step,
              'timeout',
              `the transfer did not finish within ${formatSeconds(timeoutMs)}`,
            )
          : connection.error(step, 'ssh', `SFTP transfer failed: ${e.message}`, e);
      });
      await sshRun(connection, install, { step, asRoot: true, timeoutMs: 60_000 });
      return { uploaded: true, bytes: local.size, sha256: local.sha256, via: 'sftp' };
    }
    // No SFTP, or not root (SFTP writes as the login user, who cannot write system folders):
    // stream the bytes into `cat`, under sudo when needed.
    await sshRun(connection, `umask 077 && cat > ${temporary} && ${install}`, {
      step,
      asRoot: true,
      stdin: bytes(),
      timeoutMs,
    });
    return { uploaded: true, bytes: local.size, sha256: local.sha256, via: 'exec' };
  } catch (e) {
    await sshExec(connection, `rm -f -- ${temporary}`, { asRoot: true, timeoutMs: 30_000 }).catch(() => {});
    throw e;
  }
}

async function describeSource(source: UploadSource): Promise<{ size: number; sha256: string }> {
  if (Buffer.isBuffer(source))
    return { size: source.length, sha256: createHash('sha256').update(source).digest('hex') };
  // Hashing a 120 MB Node runtime takes ~0.5 s and bootstrap uploads it to every machine.
  const info = await stat(source.path);
  const key = `${source.path}\0${info.size}\0${info.mtimeMs}`;
  let sha256 = fileHashes.get(key);
  if (!sha256) {
    const hash = createHash('sha256');
    await pipeline(createReadStream(source.path), hash);
    sha256 = hash.digest('hex');
    fileHashes.set(key, sha256);
  }
  return { size: info.size, sha256 };
}
const fileHashes = new Map<string, string>();

function openSource(source: UploadSource): Readable {
  if (!Buffer.isBuffer(source)) return createReadStream(source.path, { highWaterMark: chunkBytes });
  // In chunks, so progress moves for a Buffer too.
  return Readable.from(
    (function* () {
      for (let at = 0; at < source.length; at += chunkBytes) yield source.subarray(at, at + chunkBytes);
    })(),
    { objectMode: false },
  );
}

function countBytes(input: Readable, totalBytes: number, onProgress: UploadOptions['onProgress']): Readable {
  let sentBytes = 0;
  onProgress?.({ sentBytes, totalBytes });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sentBytes += chunk.length;
      onProgress?.({ sentBytes, totalBytes });
      done(null, chunk);
    },
  });
  input.on('error', (e) => counter.destroy(e));
  return input.pipe(counter);
}

/** The SFTP session, or undefined when the server has no SFTP subsystem. */
function openSftp(connection: SshConnection): Promise<SFTPWrapper | undefined> {
  return new Promise((resolve, reject) => {
    connection.client.sftp((err, sftp) => {
      if (!err) return resolve(sftp);
      if (!/subsystem/i.test(err.message)) return reject(err);
      withoutSftp.add(connection);
      resolve(undefined);
    });
  });
}

/**
 * A file goes with SFTP's pipelined writes (fastPut, 64 requests in flight): one write at a
 * time waits a round trip per 64 KiB, which made a 120 MB Node runtime take ~45 s instead of ~2 s.
 */
function sendFileOverSftp(
  sftp: SFTPWrapper,
  localPath: string,
  remotePath: string,
  totalBytes: number,
  timeoutMs: number,
  onProgress: UploadOptions['onProgress'],
): Promise<void> {
  onProgress?.({ sentBytes: 0, totalBytes });
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      sftp.end();
      reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    }, timeoutMs);
    sftp.fastPut(
      localPath,
      remotePath,
      {
        concurrency: 64,
        chunkSize: 32 * 1024,
        mode: 0o600,
        step: (sentBytes: number) => onProgress?.({ sentBytes, totalBytes }),
      },
      (e) => {
        clearTimeout(timer);
        sftp.end();
        if (e) reject(e);
        else resolve();
      },
    );
  });
}

async function sendOverSftp(sftp: SFTPWrapper, input: Readable, path: string, timeoutMs: number) {
  try {
    const output = sftp.createWriteStream(path, { mode: 0o600 });
    await pipeline(input, output, { signal: AbortSignal.timeout(timeoutMs) });
  } finally {
    sftp.end();
  }
}
