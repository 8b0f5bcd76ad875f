// What every machine provider (docker, qemu, vagrant, ssh) does and nothing more: make the
// cluster's machines exist and run, hand back how to reach each one over SSH, fail and recover
// them, and destroy them. Everything that turns a machine into a node (Docker Engine, Node,
// kubelab, systemd units, joining) is bootstrap's, over SSH, the same for every provider.
import type { SshEndpoint } from '../ssh/index.js';

export type MachineRole = 'control-plane' | 'worker';

/** Failure modes a provider injects itself; `agent` (agent stopped) is bootstrap's, over SSH. */
export type MachineFailureMode = 'poweroff' | 'partition';

export interface MachinePlan {
  cluster: string;
  /** Machine names; the control-plane machine first. They become the Node names. */
  machines: { name: string; role: MachineRole }[];
  /** The cluster's key pair (providers that create machines install the public half for root). */
  sshKey: { privateKeyPath: string; publicKey: string };
}

export interface ProvisionedMachine {
  name: string;
  role: MachineRole;
  /** The address the other machines reach it at (its Node's InternalIP). */
  address: string;
  /** How this computer reaches its SSH server. */
  ssh: SshEndpoint;
  /**
   * Control plane only: where this computer reaches the API server (port 6443 on the machine),
   * when that is not `address:6443` (e.g. a port forwarded by qemu's user-mode network).
   */
  apiEndpoint?: { host: string; port: number };
}

export type ProviderProgress = (
  machine: string,
  step: string,
  state: 'started' | 'done' | 'detail',
  detail?: string,
) => void;

export interface MachineProvider {
  readonly name: 'docker' | 'qemu' | 'vagrant' | 'ssh';
  /**
   * Creates the machines that are missing and starts the ones that are stopped; returns every
   * machine of the plan. Idempotent: running it again on a healthy cluster changes nothing.
   */
  ensureMachines(plan: MachinePlan, progress: ProviderProgress): Promise<ProvisionedMachine[]>;
  /** Removes every machine of the cluster and what the provider made for it (networks, disks). */
  destroyMachines(cluster: string): Promise<void>;
  /**
   * poweroff: the machine stops at once, as if its power were cut (its containers die);
   * partition: it keeps running but neither the control plane nor the other machines can reach
   * it, nor it them.
   */
  failMachine(cluster: string, machine: ProvisionedMachine, mode: MachineFailureMode): Promise<void>;
  /** Undoes either failure; the machine comes back with the same address and host key. */
  recoverMachine(cluster: string, machine: ProvisionedMachine): Promise<void>;
}
