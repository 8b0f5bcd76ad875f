// The one error type of the SSH layer. Bootstrap works on many machines at once, so a message
// that does not say which machine and which step failed leaves the person reading it nowhere;
// every failure here names both, and bootstrap's own steps can throw the same type.

/** Which machine: the caller's name for it plus where its SSH server was dialled. */
export interface MachineAddress {
  name: string;
  address: string;
  port: number;
}

/** What kind of failure, for callers that react differently (retry later, tell the user to act). */
export type MachineFailure =
  /** Nothing answered in time: the machine is down or still booting. */
  | 'unreachable'
  /** The machine refused our key. */
  | 'authentication'
  /** The machine presents another host key than the one pinned under its name. */
  | 'host-key-changed'
  /** A command or transfer took longer than allowed. */
  | 'timeout'
  /** A command ran and exited non-zero. */
  | 'command-failed'
  /** Anything else: a bad key file, a refused channel, a connection lost half-way. */
  | 'ssh';

/** `10.0.0.3:22`; IPv6 addresses in brackets, as OpenSSH writes them. */
export function hostAndPort(machine: MachineAddress): string {
  const host = machine.address.includes(':') ? `[${machine.address}]` : machine.address;
  return `${host}:${machine.port}`;
}

/** `worker-1 (10.0.0.3:22)`. */
export function machineLabel(machine: MachineAddress): string {
  return `${machine.name} (${hostAndPort(machine)})`;
}

export class MachineStepError extends Error {
  override readonly name = 'MachineStepError';

  constructor(
    readonly machine: MachineAddress,
    /** A short phrase: `connect`, `upload /usr/local/bin/kubelab-agent.mjs`, `install Docker Engine`. */
    readonly step: string,
    readonly failure: MachineFailure,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${machineLabel(machine)}: ${step}: ${detail}`, options);
  }
}

/** Durations in messages: `60 s`, `2.5 s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}
