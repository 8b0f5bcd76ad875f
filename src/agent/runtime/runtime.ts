// The container runtime behind the agent, shaped after the CRI the kubelet drives: a pod gets
// a sandbox (its network identity: one IP shared by its containers), then containers are
// created in it, started, stopped and removed one by one. The agent owns *policy* (which
// container to start, when to restart, back-off, status); a runtime only does what it is told
// and reports container state with exit codes. Two implementations: `sim` (in memory,
// SIMULATED, runtime/sim.ts) and Docker Engine (a later step).

export interface SandboxConfig {
  podUid: string;
  podName: string;
  namespace: string;
  /** Ask for this IP back (an agent adopting a pod after a restart keeps the pod's IP). */
  preferredIP?: string;
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
}

export interface ContainerRuntime {
  /** `sim` or `docker`: the scheme of container IDs (`sim://abc`). */
  readonly type: string;
  /** Node status nodeInfo.containerRuntimeVersion, e.g. `sim://1.0`, `docker://27.3.1`. */
  readonly version: string;
  /** True for the in-memory runtime: every place a user sees it says SIMULATED. */
  readonly simulated: boolean;

  /** Makes the image present on the node; resolves to its imageID. */
  pullImage(image: string): Promise<{ imageID: string }>;
  runPodSandbox(config: SandboxConfig): Promise<Sandbox>;
  /** Stops every container in the sandbox at once (grace 0) and releases its network. */
  removePodSandbox(id: string): Promise<void>;
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the container has exited. */
  stopContainer(id: string, graceMs: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<RuntimeContainerStatus | undefined>;
  /** Called whenever a container exits by itself or is stopped (the kubelet's PLEG). */
  onContainerExit(listener: (status: RuntimeContainerStatus) => void): () => void;
  /**
   * Makes a running container exit with `exitCode` now (failure injection). Optional: the
   * sim runtime has it for the `sim.kubelab.dev/crash` annotation.
   */
  crashContainer?(id: string, exitCode: number): Promise<void>;
  /** Releases everything (the sim runtime forgets all its containers). */
  close(): Promise<void>;
}

/** Decides whether a running container is ready (the kubelet's readiness prober). */
export interface ReadinessProber {
  /** `recheckInMs`: when the answer may change without anything else happening. */
  check(container: RuntimeContainerStatus, nowMs: number): { ready: boolean; recheckInMs?: number };
}
