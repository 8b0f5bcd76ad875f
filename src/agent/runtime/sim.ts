// The SIMULATED container runtime: containers are records in memory whose life follows their
// image (runtime/sim-images.ts) on the injected clock. Nothing runs; a process that dies
// takes its "containers" with it, which is exactly what `node fail --mode poweroff` means for
// a simulated node. Used for the zero-install quick start and for scale tests with
// thousands of nodes in one process (kwok-style).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock, TimerHandle } from '../../client/clock.js';
import { PodIPAllocator } from '../pod-network.js';
import type {
  ContainerConfig,
  ContainerLogOptions,
  ContainerRuntime,
  ReadinessProber,
  RuntimeContainerStatus,
  Sandbox,
  SandboxConfig,
} from './runtime.js';
import { type SimImageBehaviour, simImageBehaviour } from './sim-images.js';

export const simRuntimeVersion = 'sim://1.0';

export interface SimRuntimeOptions {
  clock: Clock;
  /** Where sandbox IPs come from. */
  podCIDR: string;
  /** How long an ordinary container takes to become ready (`--ready-delay-ms`). */
  readyDelayMs?: number;
  /**
   * A stopping sim container takes its pod's grace period to exit, capped at this (default
   * 2 s), so `Terminating` is visible without a lab waiting 30 s per pod.
   */
  maxStopDelayMs?: number;
}

interface SimContainer {
  status: RuntimeContainerStatus;
  sandboxId: string;
  behaviour: SimImageBehaviour;
  timer?: TimerHandle;
  stopping?: Promise<void>;
  /** `logs -f` readers, ended when the container exits or is removed. */
  followers: Map<Readable, ContainerLogOptions>;
}

interface SimLogLine {
  atMs: number;
  text: string;
}

/** Kubernetes' log timestamps are RFC3339 with nanoseconds. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000000Z');
}

function formatLogLine(line: SimLogLine, timestamps: boolean | undefined): string {
  return `${timestamps ? `${rfc3339Nano(line.atMs)} ` : ''}${line.text}\n`;
}

function exitLine(s: RuntimeContainerStatus): SimLogLine {
  return {
    atMs: s.finishedAtMs ?? 0,
    text: `SIMULATED container ${s.name} exited with code ${s.exitCode} (${s.reason})`,
  };
}

function simImageID(image: string): string {
  return `sim://${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

export class SimRuntime implements ContainerRuntime {
  readonly type = 'sim';
  readonly version = simRuntimeVersion;
  readonly simulated = true;
  private readonly clock: Clock;
  private readonly ips: PodIPAllocator;
  private readonly sandboxes = new Map<string, Sandbox & { containers: Set<string> }>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly exitListeners = new Set<(s: RuntimeContainerStatus) => void>();

  constructor(private readonly options: SimRuntimeOptions) {
    this.clock = options.clock;
    this.ips = new PodIPAllocator(options.podCIDR);
  }

  get readyDelayMs(): number {
    return this.options.readyDelayMs ?? 1_000;
  }

  async pullImage(image: string): Promise<{ imageID: string }> {
    return { imageID: simImageID(image) };
  }

  /** Every image is "present" on a simulated node. */
  async imageStatus(image: string): Promise<{ imageID: string }> {
    return { imageID: simImageID(image) };
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const id = randomBytes(16).toString('hex');
    const sandbox = { id, ip: this.ips.allocate(config.preferredIP), containers: new Set<string>() };
    this.sandboxes.set(id, sandbox);
    return { id, ip: sandbox.ip };
  }

  async removePodSandbox(id: string): Promise<void> {
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) return;
    for (const c of sandbox.containers) await this.removeContainer(c);
    this.ips.release(sandbox.ip);
    this.sandboxes.delete(id);
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new Error(`sim runtime: no sandbox ${sandboxId}`);
    const id = randomBytes(32).toString('hex');
    const now = this.clock.now();
    this.containers.set(id, {
      sandboxId,
      followers: new Map(),
      behaviour: simImageBehaviour(config, this.readyDelayMs),
      status: {
        id,
        podUid: config.podUid,
        name: config.name,
        image: config.image,
        imageID: simImageID(config.image),
        attempt: config.attempt,
        state: 'created',
        createdAtMs: now,
        startedAtMs: config.adoptStartedAtMs,
      },
    });
    sandbox.containers.add(id);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.status.state !== 'created') throw new Error(`sim runtime: container ${id} is ${c.status.state}`);
    const now = this.clock.now();
    const startedAt = c.status.startedAtMs ?? now;
    c.status = { ...c.status, state: 'running', startedAtMs: startedAt };
    const behaviour = c.behaviour;
    if (behaviour.exitAfterMs !== undefined) {
      const code = behaviour.exitCode ?? 0;
      c.timer = this.clock.setTimeout(
        () => this.exit(c, code),
        Math.max(0, startedAt + behaviour.exitAfterMs - now),
      );
    }
  }

  stopContainer(id: string, graceMs: number): Promise<void> {
    const c = this.containers.get(id);
    if (c?.status.state !== 'running') {
      if (c?.status.state === 'created') this.exit(c, 0);
      return Promise.resolve();
    }
    c.stopping ??= new Promise<void>((resolve) => {
      if (c.timer) this.clock.clearTimeout(c.timer);
      const delay = Math.min(Math.max(graceMs, 0), this.options.maxStopDelayMs ?? 2_000);
      // Grace 0 is SIGKILL: 137. Otherwise the simulated process handles SIGTERM and exits 0.
      const finish = () => {
        this.exit(c, graceMs <= 0 ? 137 : 0);
        resolve();
      };
      if (delay === 0) finish();
      else c.timer = this.clock.setTimeout(finish, delay);
    });
    return c.stopping;
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.timer) this.clock.clearTimeout(c.timer);
    for (const f of c.followers.keys()) f.push(null);
    this.containers.delete(id);
    this.sandboxes.get(c.sandboxId)?.containers.delete(id);
  }

  async containerStatus(id: string): Promise<RuntimeContainerStatus | undefined> {
    return this.containers.get(id)?.status;
  }

  /**
   * Nothing runs in a sim container, so its log is a few lines about its life, each saying
   * SIMULATED, so that `kubectl logs` works end to end and nobody mistakes them for output.
   */
  async logs(id: string, o: ContainerLogOptions): Promise<Readable> {
    const c = this.mustGet(id);
    const now = this.clock.now();
    let lines = this.logLines(c).filter(
      (l) => o.sinceSeconds === undefined || l.atMs >= now - o.sinceSeconds * 1000,
    );
    if (o.tailLines !== undefined) lines = o.tailLines > 0 ? lines.slice(-o.tailLines) : [];
    const stream = new Readable({ read() {} });
    for (const l of lines) stream.push(formatLogLine(l, o.timestamps));
    if (o.follow && c.status.state !== 'exited') {
      c.followers.set(stream, o);
      stream.on('close', () => c.followers.delete(stream));
    } else stream.push(null);
    return stream;
  }

  private logLines(c: SimContainer): SimLogLine[] {
    const s = c.status;
    const lines: SimLogLine[] = [];
    if (s.startedAtMs !== undefined)
      lines.push(
        { atMs: s.startedAtMs, text: `SIMULATED container ${s.name} (image ${s.image}) started` },
        {
          atMs: s.startedAtMs,
          text: 'SIMULATED no process runs on a simulated node; this log only records its life',
        },
      );
    if (s.state === 'exited' && s.finishedAtMs !== undefined) lines.push(exitLine(s));
    return lines;
  }

  onContainerExit(listener: (s: RuntimeContainerStatus) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async crashContainer(id: string, exitCode: number): Promise<void> {
    const c = this.containers.get(id);
    if (c?.status.state === 'running') this.exit(c, exitCode);
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) if (c.timer) this.clock.clearTimeout(c.timer);
    this.containers.clear();
    this.sandboxes.clear();
  }

  /** Readiness of sim containers: ready once running for their image's start-up time. */
  readinessProber(): ReadinessProber {
    return {
      check: (container, nowMs) => {
        const behaviour = this.containers.get(container.id)?.behaviour;
        if (container.state !== 'running' || !behaviour || behaviour.readyAfterMs === null)
          return { ready: false };
        const remaining = (container.startedAtMs ?? nowMs) + behaviour.readyAfterMs - nowMs;
        return remaining <= 0 ? { ready: true } : { ready: false, recheckInMs: remaining };
      },
    };
  }

  private exit(c: SimContainer, exitCode: number): void {
    if (c.status.state === 'exited') return;
    if (c.timer) this.clock.clearTimeout(c.timer);
    c.timer = undefined;
    const now = this.clock.now();
    c.status = {
      ...c.status,
      state: 'exited',
      startedAtMs: c.status.startedAtMs ?? now,
      finishedAtMs: now,
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
    };
    for (const [f, options] of c.followers) {
      f.push(formatLogLine(exitLine(c.status), options.timestamps));
      f.push(null);
    }
    c.followers.clear();
    for (const l of this.exitListeners) l(c.status);
  }

  private mustGet(id: string): SimContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`sim runtime: no container ${id}`);
    return c;
  }
}
