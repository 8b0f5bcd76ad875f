// What `kubelab up` asks of every provider, sim included; cluster-lifecycle.ts runs the steps in
// this order: make or find the machines; then, through a bootstrap over them, prepare them,
// start the control plane on the control-plane machines, join the nodes, wait until they are
// Ready. The control-plane machines are a list all the way through, so three (HA) take the same
// steps as one.
import type { ProgressSink } from './bootstrap/progress-reporter.js';
import type { ClusterRecord, MachineRecord } from './cluster-records.js';
import type { MachineRole } from './providers/machine-provider.js';

export type ProviderName = 'sim' | 'docker' | 'qemu' | 'vagrant' | 'ssh';
export const providerNames: ProviderName[] = ['sim', 'docker', 'qemu', 'vagrant', 'ssh'];

export type NodeFailureMode = 'poweroff' | 'partition' | 'agent';
export const nodeFailureModes: NodeFailureMode[] = ['poweroff', 'partition', 'agent'];

/** sim's outcomes say which signal brought the process back; a machine is simply recovered. */
export type RecoverOutcome = 'resumed' | 'restarted' | 'running' | 'recovered';

export interface PlannedMachine {
  name: string;
  role: MachineRole;
}

export interface ClusterPlan {
  cluster: string;
  profile: string;
  /** The control-plane machines first, then the workers; the names become the Node names. */
  machines: PlannedMachine[];
}

/** kind's names: `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`, ... */
export function planMachines(cluster: string, workers: number): PlannedMachine[] {
  return [
    { name: `${cluster}-control-plane`, role: 'control-plane' },
    ...Array.from({ length: workers }, (_, i) => ({
      name: `${cluster}-worker${i === 0 ? '' : i + 1}`,
      role: 'worker' as const,
    })),
  ];
}

/** The control plane once its API server answers: where this computer reaches it, as whom. */
export interface ControlPlaneAccess {
  server: string;
  /** The admin kubeconfig (text), written to the cluster's folder before any node joins. */
  kubeconfig: string;
}

export interface ClusterProvider {
  readonly name: ProviderName;
  /**
   * The machines that run an agent and become Nodes: every machine where the control plane is
   * a tainted node too (kubeadm's shape), the workers where it is one local process (sim).
   */
  nodes(machines: MachineRecord[]): MachineRecord[];
  /**
   * Makes the planned machines that are missing and starts the stopped ones, or finds them;
   * returns every machine of the plan in its order. `existing` is the record `up` started from.
   */
  ensureMachines(
    plan: ClusterPlan,
    existing: ClusterRecord | undefined,
    progress: ProgressSink,
  ): Promise<MachineRecord[]>;
  /**
   * The rest of `up` over those machines. Its steps update the record's machines in place
   * (sim: each process id as it starts), so the one write after `up` keeps what was started
   * even when a later step fails.
   */
  bootstrap(plan: ClusterPlan, record: ClusterRecord, progress: ProgressSink): ClusterBootstrap;
  /** Removes the machines and what the provider made for them; the record is the caller's. */
  destroy(record: ClusterRecord): Promise<void>;
  failNode(record: ClusterRecord, nodeName: string, mode: NodeFailureMode): Promise<void>;
  recoverNode(record: ClusterRecord, nodeName: string): Promise<RecoverOutcome>;
}

/** One `up`'s work on its machines; each step is idempotent, so `up` again repairs what failed. */
export interface ClusterBootstrap {
  /** Readies every machine to run kubelab (container runtime, programs, lab images). */
  prepare(machines: MachineRecord[]): Promise<void>;
  /** Starts the API server on the control-plane machines, or finds it running; resolves once it answers. */
  startControlPlane(controlPlanes: MachineRecord[]): Promise<ControlPlaneAccess>;
  /** Starts each node's agent, joined to the control plane. */
  join(nodes: MachineRecord[], controlPlane: ControlPlaneAccess): Promise<void>;
  waitReady(nodes: MachineRecord[], controlPlane: ControlPlaneAccess): Promise<void>;
  /** Lets go of connections and clients, whether the steps succeeded or not. */
  close(): void;
}
