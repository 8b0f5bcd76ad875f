// The container runtime behind the agent, shaped after the CRI the kubelet drives: a pod gets
// a sandbox (its network identity: one IP shared by its containers), then containers are
// created in it, started, stopped and removed one by one. The agent owns *policy* (which
// container to start, when to restart, back-off, status); a runtime only does what it is told
// and reports container state with exit codes. Two implementations: `sim` (in memory,
// SIMULATED, runtime/sim.ts) and Docker Engine (runtime/docker.ts). Optional members are
// what only a real runtime can do (exec, finding containers that outlived the agent).
import type { Readable, Writable } from 'node:stream';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/event-recorder.js';

export interface SandboxConfig {
  podUid: string;
  podName: string;
  namespace: string;
  /** Ask for this IP back (an agent adopting a pod after a restart keeps the pod's IP). */
  preferredIP?: string;
  /** hostPort mappings of all the pod's containers: they are published on the sandbox. */
  portMappings?: PortMapping[];
}

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol: string;
  hostIP?: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface Sandbox {
  id: string;
  ip: string;
}

export interface ContainerConfig {
  podUid: string;
  /** Container name in the pod spec. */
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  /** Restart attempt this container is (0 for the first), as the CRI's ContainerMetadata.attempt. */
  attempt: number;
  /**
   * A container re-created by an agent adopting a pod it ran before a restart keeps the start
   * time the pod status recorded. Only the sim runtime needs it (Docker containers outlive
   * the agent).
   */
  adoptStartedAtMs?: number;
  /** Resolved environment (valueFrom and envFrom already looked up, $(VAR) expanded). */
  env?: { name: string; value: string }[];
  workingDir?: string;
  mounts?: Mount[];
  /** resources.limits (cpu in millicores, memory in bytes) and requests.cpu for CPU shares. */
  resources?: { cpuLimitMilli?: number; memoryLimitBytes?: number; cpuRequestMilli?: number };
  /** securityContext.runAsUser / runAsGroup. */
  user?: string;
}

export type ContainerState = 'created' | 'running' | 'exited';

export interface RuntimeContainerStatus {
  /** Runtime-local id; the API shows it as `<runtime type>://<id>`. */
  id: string;
  podUid: string;
  name: string;
  image: string;
  imageID: string;
  attempt: number;
  state: ContainerState;
  createdAtMs: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  exitCode?: number;
  /** Runtime's reason for the exit (Kubernetes shows `Completed`, `Error`, `OOMKilled`). */
  reason?: string;
  /** The runtime's message with the reason (e.g. why a start failed). */
  message?: string;
}

/** What a runtime holds for one pod: what a restarted agent adopts, or removes when orphaned. */
export interface RuntimePod {
  podUid: string;
  podName: string;
  namespace: string;
  sandbox?: Sandbox & { running: boolean };
  /** Every container of the pod, newest attempt last per name. */
  containers: RuntimeContainerStatus[];
}

/** What `kubectl logs` asks of a container's log (the kubelet's PodLogOptions). */
export interface ContainerLogOptions {
  /** Keep the stream open and send new lines until the container exits or the reader goes away. */
  follow?: boolean;
  /** Only the last N lines (then new ones, with follow). */
  tailLines?: number;
  /** Prefix every line with its RFC3339Nano time, as `kubectl logs --timestamps`. */
  timestamps?: boolean;
  /** Only lines written in the last N seconds. */
  sinceSeconds?: number;
}

/** An interactive command in a running container (`kubectl exec`). */
export interface ExecSession {
  /** Present when stdin was asked for; end it to close the command's stdin. */
  stdin?: Writable;
  /** With a tty, stdout carries everything the terminal shows and stderr is absent. */
  stdout: Readable;
  stderr?: Readable;
  resize(width: number, height: number): Promise<void>;
  /** Resolves with the command's exit code once it has finished and its output is drained. */
  exitCode: Promise<number>;
  /** Drops the streams (the caller went away); the command itself may keep running. */
  close(): void;
}

/** Cumulative usage of one container, read from its cgroup (Docker's stats). */
export interface ContainerUsage {
  /** CPU time used since the container started, in nanoseconds (cpuacct / cpu.stat). */
  cpuUsageCoreNanoSeconds: number;
  memoryUsageBytes: number;
  /** Usage minus inactive file cache: what the kubelet and `kubectl top` call memory. */
  memoryWorkingSetBytes: number;
}

export interface ExecOptions {
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface ContainerRuntime {
  /** `sim` or `docker`: the scheme of container IDs (`sim://abc`). */
  readonly type: string;
  /** Node status nodeInfo.containerRuntimeVersion, e.g. `sim://1.0`, `docker://27.3.1`. */
  readonly version: string;
  /** True for the in-memory runtime: every place a user sees it says SIMULATED. */
  readonly simulated: boolean;

  /**
   * Makes the image present on the node; resolves to its imageID. `onProgress` hears how the
   * pull (or, for a lab image, the local build) is going, in words.
   */
  pullImage(image: string, onProgress?: (progress: string) => void): Promise<{ imageID: string }>;
  /** The imageID of an image already on the node, undefined when it is not there. */
  imageStatus(image: string): Promise<{ imageID: string } | undefined>;
  runPodSandbox(config: SandboxConfig): Promise<Sandbox>;
  /** Stops every container in the sandbox at once (grace 0) and releases its network. */
  removePodSandbox(id: string): Promise<void>;
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the container has exited. */
  stopContainer(id: string, graceMs: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<RuntimeContainerStatus | undefined>;
  /** The container's stdout and stderr interleaved, as text; destroy the stream to stop following. */
  logs(id: string, options: ContainerLogOptions): Promise<Readable>;
  /** Called whenever a container exits by itself or is stopped (the kubelet's PLEG). */
  onContainerExit(listener: (status: RuntimeContainerStatus) => void): () => void;
  /**
   * Makes a running container exit with `exitCode` now (failure injection). Optional: the
   * sim runtime has it for the `sim.kubelab.dev/crash` annotation.
   */
  crashContainer?(id: string, exitCode: number): Promise<void>;
  /** Runs `command` in a running container (exec probes and hooks); output is stdout+stderr. */
  execSync?(id: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** Starts an interactive command in a running container; absent on the SIMULATED runtime. */
  exec?(id: string, options: ExecOptions): Promise<ExecSession>;
  /** The container's usage now; undefined when it is gone. Absent on the SIMULATED runtime. */
  containerUsage?(id: string): Promise<ContainerUsage | undefined>;
  /** False once a sandbox's pause container is gone or stopped (Docker Engine restarted). */
  podSandboxRunning?(id: string): Promise<boolean>;
  /** Pods with containers in the runtime (all, or the one with `podUid`). */
  listPods?(podUid?: string): Promise<RuntimePod[]>;
  /** Releases everything (the sim runtime forgets all its containers). */
  close(): Promise<void>;
}

/** The pod and container spec a probe reads (probes, ports), and where its events go. */
export interface ProbeTarget {
  pod: Pod;
  spec: Container;
  podIP?: string;
  recorder: EventRecorder;
}

/**
 * Decides whether a running container is ready, and whether it has started (the kubelet's
 * prober manager: startup, readiness and liveness probes).
 */
export interface ReadinessProber {
  /** `recheckInMs`: when the answer may change without anything else happening. */
  check(
    container: RuntimeContainerStatus,
    nowMs: number,
    target?: ProbeTarget,
  ): { ready: boolean; started?: boolean; recheckInMs?: number };
  /** Probe results that change in the background (a prober with its own timers) are news for the pod. */
  onResultChange?(listener: (podUid: string) => void): () => void;
}

/** A runtime's own words for a failed call (Docker's JSON message), as the kubelet shows them. */
export function runtimeErrorMessage(e: unknown): string {
  const err = e as { json?: { message?: string }; message?: string } | undefined;
  return (err?.json?.message ?? err?.message ?? String(e)).trim();
}

/** `docker://abc` (a status' containerID) -> `abc`, the runtime-local id; undefined when empty. */
export function runtimeContainerId(containerID: string | undefined): string | undefined {
  const id = containerID?.replace(/^[a-z]+:\/\//, '');
  return id || undefined;
}
