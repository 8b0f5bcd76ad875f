// Opening an SSH connection to a machine a provider handed over. Machines are often still
// booting when bootstrap starts, so "nothing answers yet" (refused, reset, no handshake) is
// retried until a deadline; a refused key or a changed host key is final at once, because
// waiting cannot fix either and retrying would only hide the real message.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import {
  checkHostKey,
  type HostKeyCheck,
  type HostKeyPin,
  hostKeyAlgorithmsFor,
  hostKeyFingerprint,
  hostKeyType,
  machineNameProblem,
  pinHostKey,
  readHostKeyPins,
} from './known-hosts.js';
import {
  formatSeconds,
  hostAndPort,
  type MachineAddress,
  type MachineFailure,
  MachineStepError,
} from './machine-step-error.js';

/** How a provider says to reach a machine. */
export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
}

export interface ConnectOptions {
  /** The cluster's known_hosts file (clusterSshFiles(name).knownHostsPath). */
  knownHostsPath: string;
  /** Keep retrying a machine that does not answer yet until this long after the first try (default 60 s). */
  deadlineMs?: number;
  /** One try's limit, TCP connect and SSH handshake together (default 20 s). */
  attemptTimeoutMs?: number;
  /** Told before each wait between tries, for progress ("waiting for SSH: connection refused"). */
  onRetry?(wait: { attempt: number; reason: string; elapsedMs: number }): void;
}

export class SshConnection {
  #lost: Error | undefined;

  constructor(
    readonly machine: MachineAddress,
    readonly user: string,
    readonly client: ssh2.Client,
    /** The host key it presented, `SHA256:...`. */
    readonly hostKeyFingerprint: string,
    /** True when this connection was the machine's first: its key has just been pinned. */
    readonly pinnedNow: boolean,
  ) {
    // An 'error' event with no listener would throw out of the event loop and end the process.
    client.on('error', (e: Error) => {
      this.#lost ??= e;
    });
    client.on('close', () => {
      this.#lost ??= new Error('the connection closed');
    });
  }

  /** Commands that change the machine need root; other users go through `sudo -n`. */
  get isRoot(): boolean {
    return this.user === 'root';
  }

  /** Why the connection is gone, or undefined while it is up. */
  get lost(): Error | undefined {
    return this.#lost;
  }

  /** An error naming this machine and the step. */
  error(step: string, failure: MachineFailure, detail: string, cause?: unknown): MachineStepError {
    return new MachineStepError(this.machine, step, failure, detail, cause === undefined ? {} : { cause });
  }

  close(): void {
    this.client.end();
  }
}

/** Connects to machine `name` and checks its host key against the pins (pinning it on first use). */
export async function connectToMachine(
  name: string,
  endpoint: SshEndpoint,
  options: ConnectOptions,
): Promise<SshConnection> {
  const machine: MachineAddress = { name, address: endpoint.address, port: endpoint.port };
  const fail = (failure: MachineFailure, detail: string, cause?: unknown) =>
    new MachineStepError(machine, 'connect', failure, detail, cause === undefined ? {} : { cause });

  const nameProblem = machineNameProblem(name);
  if (nameProblem) throw fail('ssh', nameProblem);
  const privateKey = await readFile(endpoint.privateKeyPath).catch((e: Error) => {
    throw fail('ssh', `cannot read the private key: ${e.message}`, e);
  });
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error)
    throw fail('ssh', `${endpoint.privateKeyPath} is not a usable SSH private key: ${parsed.message}`);
  const pins = await readHostKeyPins(options.knownHostsPath).catch((e: Error) => {
    throw fail('ssh', `cannot read the pinned host keys: ${e.message}`, e);
  });

  const deadlineMs = options.deadlineMs ?? 60_000;
  const started = Date.now();
  let delayMs = 250;
  for (let attempt = 1; ; attempt++) {
    const remaining = started + deadlineMs - Date.now();
    const timeoutMs = Math.max(1000, Math.min(options.attemptTimeoutMs ?? 20_000, remaining));
    let opened: { client: ssh2.Client; hostKey: Buffer };
    try {
      opened = await connectOnce(machine, endpoint, privateKey, pins, timeoutMs, options.knownHostsPath);
    } catch (e) {
      if (!(e instanceof AttemptFailure)) throw e;
      if (!e.retry) throw fail(e.failure, e.message, e.cause);
      const elapsedMs = Date.now() - started;
      if (elapsedMs >= deadlineMs)
        throw fail(
          'unreachable',
          `${e.message}, still after ${formatSeconds(elapsedMs)} (${attempt} tries) — is the machine up? (kubelab status)`,
          e.cause,
        );
      options.onRetry?.({ attempt, reason: e.message, elapsedMs });
      // The last wait is cut short so the last try happens right at the deadline.
      await sleep(Math.min(delayMs, deadlineMs - elapsedMs));
      delayMs = Math.min(delayMs * 2, 2000);
      continue;
    }

    const connection = new SshConnection(
      machine,
      endpoint.user,
      opened.client,
      hostKeyFingerprint(opened.hostKey),
      checkHostKey(pins, name, opened.hostKey).status === 'first-use',
    );
    if (!connection.pinnedNow) return connection;
    // Pinned only once the server has proved it holds the key (its signature is checked after
    // the verifier runs) and accepted us: a failed handshake leaves no pin behind.
    const check = await pinHostKey(options.knownHostsPath, name, opened.hostKey, hostAndPort(machine)).catch(
      (e: Error) => {
        connection.close();
        throw fail('ssh', `cannot record the host key in ${options.knownHostsPath}: ${e.message}`, e);
      },
    );
    if (check.status === 'changed') {
      connection.close();
      throw fail(
        'host-key-changed',
        hostKeyChangedDetail(machine, options.knownHostsPath, check, opened.hostKey),
      );
    }
    return connection;
  }
}

/** One try's outcome when it did not connect; `retry` when waiting may help. */
class AttemptFailure extends Error {
  constructor(
    readonly retry: boolean,
    readonly failure: MachineFailure,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options);
  }
}

// What a booting machine answers before sshd listens, in words for the message.
const notUpYet: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to host',
  EHOSTDOWN: 'host is down',
  ENETUNREACH: 'network unreachable',
};

function connectOnce(
  machine: MachineAddress,
  endpoint: SshEndpoint,
  privateKey: Buffer,
  pins: readonly HostKeyPin[],
  timeoutMs: number,
  knownHostsPath: string,
): Promise<{ client: ssh2.Client; hostKey: Buffer }> {
  const mine = pins.filter((p) => p.name === machine.name);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let presented: Buffer | undefined;
    let refused: HostKeyCheck | undefined;
    let settled = false;
    const settle = (failure?: AttemptFailure) => {
      if (settled) return;
      settled = true;
      client.removeListener('close', onClose);
      if (!failure) return resolve({ client, hostKey: presented! });
      // Later events of a dead client are of no interest, but must not go unlistened.
      client.on('error', () => {});
      client.end();
      reject(failure);
    };
    const onClose = () => settle(new AttemptFailure(true, 'unreachable', 'connection closed before login'));

    client.on('ready', () => settle());
    client.on('close', onClose);
    client.on('error', (e: Error & { level?: string; code?: string }) => {
      if (refused?.status === 'changed')
        return settle(
          new AttemptFailure(
            false,
            'host-key-changed',
            hostKeyChangedDetail(machine, knownHostsPath, refused, presented),
          ),
        );
      if (e.level === 'handshake' && /host key format/.test(e.message) && mine.length)
        return settle(
          new AttemptFailure(
            false,
            'host-key-changed',
            hostKeyChangedDetail(machine, knownHostsPath, { status: 'changed', pins: mine }, undefined),
          ),
        );
      if (e.level === 'client-authentication')
        return settle(
          new AttemptFailure(
            false,
            'authentication',
            `the machine refused the key ${endpoint.privateKeyPath} for user ${endpoint.user} — is its public key ` +
              `(${endpoint.privateKeyPath}.pub) in ~${endpoint.user}/.ssh/authorized_keys there?`,
            { cause: e },
          ),
        );
      if (e.level === 'client-timeout')
        return settle(
          new AttemptFailure(true, 'unreachable', `no SSH handshake within ${formatSeconds(timeoutMs)}`, {
            cause: e,
          }),
        );
      if (e.level === 'protocol' && /before handshake/.test(e.message))
        return settle(new AttemptFailure(true, 'unreachable', 'connection closed before the SSH handshake'));
      const problem = e.code ? notUpYet[e.code] : undefined;
      if (e.level === 'client-socket' && problem)
        return settle(new AttemptFailure(true, 'unreachable', problem, { cause: e }));
      settle(new AttemptFailure(false, 'ssh', e.message, { cause: e }));
    });

    client.connect({
      host: endpoint.address,
      port: endpoint.port,
      username: endpoint.user,
      privateKey,
      readyTimeout: timeoutMs,
      // No agent, no password, no keyboard-interactive: only the key we were given counts.
      tryKeyboard: false,
      // A machine powered off in the middle of a long command (a package install) is noticed
      // within a minute instead of when the command's own time runs out.
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      ...(mine.length
        ? {
            algorithms: { serverHostKey: [...new Set(mine.flatMap((p) => hostKeyAlgorithmsFor(p.keyType)))] },
          }
        : {}),
      hostVerifier: (key: Buffer): boolean => {
        presented = Buffer.from(key);
        const check = checkHostKey(pins, machine.name, presented);
        if (check.status === 'changed') refused = check;
        return check.status !== 'changed';
      },
    });
  });
}

function hostKeyChangedDetail(
  machine: MachineAddress,
  knownHostsPath: string,
  check: HostKeyCheck,
  presented: Buffer | undefined,
): string {
  const pin = check.status === 'changed' ? check.pins[0] : undefined;
  const pinned = pin ? `${pin.keyType} ${hostKeyFingerprint(pin.key)} (line ${pin.line})` : 'another key';
  const now = presented
    ? `it now presents ${hostKeyType(presented)} ${hostKeyFingerprint(presented)}`
    : `it no longer offers a ${pin?.keyType ?? 'matching'} host key`;
  return (
    `its host key changed: ${knownHostsPath} pins ${pinned} for ${machine.name}, but ${now}. ` +
    `If ${machine.name} was recreated, delete its line (sed -i '/^${machine.name} /d' ${knownHostsPath}) ` +
    `and run the command again; if not, something else is answering at ${hostAndPort(machine)}: do not trust it.`
  );
}
