// The Docker Engine runtime (what dockershim was to the kubelet), through dockerode. A pod is
// a pause sandbox plus app containers joined to its namespaces; names and labels follow
// dockershim (docker-labels.ts), so containers outlive the agent and a restarted agent finds
// them. Exits are learnt from Docker's event stream ("die"), which reconnects when Docker
// Engine restarts; on reconnect every pod with containers is reported, because exits may
// have happened while the stream was down.
import { type Duplex, PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import Docker from 'dockerode';
import { ensureImage } from '../../images/index.js';
import { cgroupUsage } from '../stats/cgroup-usage.js';
import { containerCreateOptions, pauseImage, sandboxCreateOptions } from './docker-container-config.js';
import {
  containerNameLabel,
  dockerContainerName,
  nodeNameLabel,
  type PodIdentity,
  podLabels,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
  restartCountLabel,
  sandboxContainerName,
} from './docker-labels.js';
import type {
  ContainerConfig,
  ContainerLogOptions,
  ContainerRuntime,
  ContainerUsage,
  ExecOptions,
  ExecSession,
  RuntimeContainerStatus,
  RuntimePod,
  Sandbox,
  SandboxConfig,
} from './runtime.js';

export interface DockerRuntimeOptions {
  docker?: Docker;
  /** Added to every container (tests label what they create so they can clean it up). */
  extraLabels?: Record<string, string>;
  /** The node these containers belong to (labelled on each; listPods sees only its own). */
  nodeName?: string;
  log?(message: string): void;
}

/** One line of Docker's pull progress stream. */
interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

/** Folds Docker's per-layer pull events into one line: layers done, bytes downloaded. */
class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  update(e: PullEvent): string | undefined {
    if (!e.id || !e.status) return undefined;
    const layer = this.layers.get(e.id) ?? { current: 0, total: 0, done: false };
    this.layers.set(e.id, layer);
    if (e.status === 'Downloading' && e.progressDetail?.total) {
      layer.current = e.progressDetail.current ?? 0;
      layer.total = e.progressDetail.total;
    } else if (
      e.status === 'Download complete' ||
      e.status === 'Pull complete' ||
      e.status === 'Already exists'
    ) {
      layer.done = true;
      layer.current = layer.total;
    } else return undefined;
    const all = [...this.layers.values()];
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const current = all.reduce((a, l) => a + l.current, 0);
    const total = all.reduce((a, l) => a + l.total, 0);
    return `${all.filter((l) => l.done).length} of ${all.length} layers, ${mb(current)} of ${mb(total)} MB`;
  }
}

/** The part of Docker's /containers/{id}/stats answer the agent reads. */
interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: { total_inactive_file?: number; inactive_file?: number } };
}

function statusCode(e: unknown): number | undefined {
  return (e as { statusCode?: number } | undefined)?.statusCode;
}

/** Docker reports unset times as Go's zero time. */
function dockerTime(t: string | undefined): number | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Images the agent builds itself (the lab images and the pause image): no registry needed. */
function isLabImage(image: string): boolean {
  return image.startsWith('kubelab/');
}

export class DockerRuntime implements ContainerRuntime {
  readonly type = 'docker';
  readonly simulated = false;
  readonly docker: Docker;
  private readonly exitListeners = new Set<(s: RuntimeContainerStatus) => void>();
  private readonly sandboxPods = new Map<string, PodIdentity>();
  /** Container id -> its main process, for reading its cgroup (stats). */
  private readonly pids = new Map<string, number>();
  private events?: NodeJS.ReadableStream;
  private reconnectTimer?: NodeJS.Timeout;
  private closed = false;
  /** Where new sandboxes get their address; see setPodNetwork. */
  private sandboxNetwork = 'bridge';

  private constructor(
    private readonly o: DockerRuntimeOptions,
    docker: Docker,
    readonly version: string,
  ) {
    this.docker = docker;
  }

  /** Connects to Docker Engine (fails if it does not answer) and starts following its events. */
  static async connect(o: DockerRuntimeOptions = {}): Promise<DockerRuntime> {
    const docker = o.docker ?? new Docker();
    const { Version } = await docker.version();
    const runtime = new DockerRuntime(o, docker, `docker://${Version}`);
    await runtime.followEvents(false);
    return runtime;
  }

  /**
   * New sandboxes join the node's pod network (docker-pod-network.ts) instead of Docker's
   * default bridge. Called once, after the node's pod CIDR is known and before any pod starts.
   */
  setPodNetwork(network: string): void {
    this.sandboxNetwork = network;
  }

  async pullImage(image: string, onProgress?: (progress: string) => void): Promise<{ imageID: string }> {
    if (isLabImage(image))
      await ensureImage(this.docker, image, {
        onProgress: (e) => {
          if (e.step === 'building')
            onProgress?.('building it on this node from its recipe (lab image, no registry)');
          else if (e.step === 'importing') onProgress?.('importing the built filesystem into Docker Engine');
        },
      });
    else {
      const stream = await this.docker.pull(image);
      const layers = new PullProgress();
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (event: PullEvent) => {
            const text = layers.update(event);
            if (text) onProgress?.(text);
          },
        ),
      );
    }
    const present = await this.imageStatus(image);
    if (!present) throw new Error(`image ${image} is not present after pulling it`);
    return present;
  }

  async imageStatus(image: string): Promise<{ imageID: string } | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return { imageID: `docker://${info.Id}` };
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    if (!(await this.imageStatus(pauseImage))) await this.pullImage(pauseImage);
    const pod: PodIdentity = { podUid: config.podUid, podName: config.podName, namespace: config.namespace };
    const options = sandboxCreateOptions(
      config,
      dockerContainerName(pod, sandboxContainerName, 0),
      podLabels(pod, sandboxContainerName, 0, this.labels()),
      this.sandboxNetwork,
    );
    const container = await this.createReplacingStale(options);
    await container.start();
    const info = await container.inspect();
    this.sandboxPods.set(info.Id, pod);
    return { id: info.Id, ip: sandboxIP(info.NetworkSettings) };
  }

  async removePodSandbox(id: string): Promise<void> {
    const pod = await this.sandboxPod(id);
    const all = pod
      ? await this.docker.listContainers({ all: true, filters: { label: [`${podUidLabel}=${pod.podUid}`] } })
      : [{ Id: id }];
    // App containers first: they live in the sandbox's namespaces.
    const ids = all.map((c) => c.Id).sort((a, b) => (a === id ? 1 : b === id ? -1 : 0));
    for (const c of ids) await this.removeContainer(c);
    this.sandboxPods.delete(id);
  }

  async podSandboxRunning(id: string): Promise<boolean> {
    try {
      return (await this.docker.getContainer(id).inspect()).State.Running;
    } catch (e) {
      if (statusCode(e) === 404) return false;
      throw e;
    }
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const pod = await this.sandboxPod(sandboxId);
    if (!pod) throw new Error(`pod sandbox ${sandboxId.slice(0, 12)} does not exist`);
    const options = containerCreateOptions(
      sandboxId,
      config,
      dockerContainerName(pod, config.name, config.attempt),
      podLabels(pod, config.name, config.attempt, this.labels()),
    );
    const container = await this.createReplacingStale(options);
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    try {
      // Docker sends the image's stop signal (SIGTERM), waits `t` seconds, then SIGKILLs.
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) });
    } catch (e) {
      // 304: not running; 404: gone. Both mean stopped.
      if (statusCode(e) !== 304 && statusCode(e) !== 404) throw e;
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.pids.delete(id);
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      if (statusCode(e) !== 404 && statusCode(e) !== 409) throw e;
    }
  }

  async containerStatus(id: string): Promise<RuntimeContainerStatus | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
    return statusFromInspect(info);
  }

  async logs(id: string, o: ContainerLogOptions): Promise<Readable> {
    const base = {
      stdout: true,
      stderr: true,
      timestamps: o.timestamps ?? false,
      ...(o.tailLines !== undefined ? { tail: o.tailLines } : {}),
      ...(o.sinceSeconds !== undefined ? { since: Math.floor(Date.now() / 1000) - o.sinceSeconds } : {}),
    };
    const container = this.docker.getContainer(id);
    // dockerode answers a follow with the live response and anything else with one Buffer.
    const source = o.follow
      ? ((await container.logs({ ...base, follow: true })) as Readable)
      : Readable.from([await container.logs({ ...base, follow: false })]);
    const demux = new DockerLogDemux();
    source.on('error', (e) => demux.destroy(e));
    demux.on('close', () => source.destroy());
    return source.pipe(demux);
  }

  onContainerExit(listener: (s: RuntimeContainerStatus) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async execSync(
    id: string,
    command: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }> {
    const exec = await this.docker
      .getContainer(id)
      .exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const sink = { write: (b: Buffer) => chunks.push(Buffer.from(b)) } as unknown as NodeJS.WritableStream;
    this.docker.modem.demuxStream(stream, sink, sink);
    const finished = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      stream.destroy();
      throw new Error(`command timed out after ${timeoutMs / 1000}s`);
    }
    const { ExitCode } = await exec.inspect();
    return { exitCode: ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
  }

  async exec(id: string, o: ExecOptions): Promise<ExecSession> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: o.command,
      AttachStdin: o.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: o.tty,
    });
    const stream = (await exec.start({ hijack: true, stdin: o.stdin, Tty: o.tty })) as Duplex;
    let stdout: Readable = stream;
    let stderr: Readable | undefined;
    if (!o.tty) {
      // Without a tty Docker multiplexes both streams on the connection (8-byte frame headers).
      const out = new PassThrough();
      const err = new PassThrough();
      this.docker.modem.demuxStream(stream, out, err);
      stream.on('end', () => {
        out.end();
        err.end();
      });
      stdout = out;
      stderr = err;
    }
    const exitCode = new Promise<number>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        exec.inspect().then(
          (info) => resolve(info.ExitCode ?? -1),
          () => resolve(-1),
        );
      };
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
    return {
      stdin: o.stdin ? stream : undefined,
      stdout,
      stderr,
      resize: async (width, height) => {
        await exec.resize({ w: width, h: height });
      },
      exitCode,
      close: () => stream.destroy(),
    };
  }

  async containerUsage(id: string): Promise<ContainerUsage | undefined> {
    let pid = this.pids.get(id);
    if (pid === undefined) {
      try {
        const info = await this.docker.getContainer(id).inspect();
        if (!info.State.Running) return undefined;
        pid = info.State.Pid;
      } catch (e) {
        if (statusCode(e) === 404) return undefined;
        throw e;
      }
      this.pids.set(id, pid);
    }
    try {
      return await cgroupUsage(pid);
    } catch {
      // Gone, restarted, or a Docker Engine on another machine: ask it instead.
      this.pids.delete(id);
      return this.dockerStatsUsage(id);
    }
  }

  /** Docker's stats API: one sample at once (one-shot), rates come from the collector. */
  private async dockerStatsUsage(id: string): Promise<ContainerUsage | undefined> {
    const container = this.docker.getContainer(id);
    const getStats = container.stats.bind(container) as (options: {
      stream: false;
      'one-shot': true;
    }) => Promise<DockerStats>;
    let stats: DockerStats;
    try {
      stats = await getStats({ stream: false, 'one-shot': true });
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
    const cpu = stats.cpu_stats?.cpu_usage?.total_usage;
    const usage = stats.memory_stats?.usage;
    if (!cpu || usage === undefined) return undefined;
    // cgroup v1 calls it total_inactive_file, v2 inactive_file.
    const inactive =
      stats.memory_stats?.stats?.total_inactive_file ?? stats.memory_stats?.stats?.inactive_file ?? 0;
    return {
      cpuUsageCoreNanoSeconds: cpu,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - inactive),
    };
  }

  private labels(): Record<string, string> {
    return { ...this.o.extraLabels, ...(this.o.nodeName ? { [nodeNameLabel]: this.o.nodeName } : {}) };
  }

  async listPods(podUid?: string): Promise<RuntimePod[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: {
        label: [
          podUid ? `${podUidLabel}=${podUid}` : podUidLabel,
          ...(this.o.nodeName ? [`${nodeNameLabel}=${this.o.nodeName}`] : []),
        ],
      },
    });
    const pods = new Map<string, RuntimePod>();
    for (const c of list) {
      const labels = c.Labels ?? {};
      const uid = labels[podUidLabel] ?? '';
      let pod = pods.get(uid);
      if (!pod) {
        pod = {
          podUid: uid,
          podName: labels[podNameLabel] ?? '',
          namespace: labels[podNamespaceLabel] ?? '',
          containers: [],
        };
        pods.set(uid, pod);
      }
      const name = labels[containerNameLabel] ?? '';
      if (name === sandboxContainerName) {
        const ip = Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress ?? '';
        // A pod may have an old dead sandbox next to its live one: the live one wins.
        if (!pod.sandbox?.running) pod.sandbox = { id: c.Id, ip, running: c.State === 'running' };
        if (c.State === 'running') this.sandboxPods.set(c.Id, pod);
        continue;
      }
      pod.containers.push({
        id: c.Id,
        podUid: uid,
        name,
        image: c.Image,
        imageID: `docker://${c.ImageID}`,
        attempt: Number(labels[restartCountLabel] ?? 0),
        state: c.State === 'running' ? 'running' : c.State === 'created' ? 'created' : 'exited',
        createdAtMs: c.Created * 1000,
      });
    }
    for (const pod of pods.values()) pod.containers.sort((a, b) => a.attempt - b.attempt);
    return [...pods.values()];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const events = this.events as (NodeJS.ReadableStream & { destroy?(): void }) | undefined;
    events?.destroy?.();
    this.events = undefined;
  }

  /** Creates a container; a leftover of the same name (an agent that died mid-start) is removed first. */
  private async createReplacingStale(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (e) {
      if (statusCode(e) !== 409 || !options.name) throw e;
      await this.removeContainer(options.name);
      return this.docker.createContainer(options);
    }
  }

  private async sandboxPod(id: string): Promise<PodIdentity | undefined> {
    const known = this.sandboxPods.get(id);
    if (known) return known;
    try {
      const labels = (await this.docker.getContainer(id).inspect()).Config.Labels ?? {};
      const pod = {
        podUid: labels[podUidLabel] ?? '',
        podName: labels[podNameLabel] ?? '',
        namespace: labels[podNamespaceLabel] ?? '',
      };
      this.sandboxPods.set(id, pod);
      return pod;
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  private async followEvents(reportAll: boolean): Promise<void> {
    const stream = await this.docker.getEvents({
      filters: { type: ['container'], event: ['die'], label: [podUidLabel] },
    });
    this.events = stream;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { id?: string };
        if (event.id) void this.reportExit(event.id);
      }
    });
    const lost = () => {
      if (this.closed || this.events !== stream) return;
      this.events = undefined;
      this.log('lost the Docker Engine event stream; reconnecting');
      this.scheduleReconnect();
    };
    stream.on('end', lost);
    stream.on('close', lost);
    stream.on('error', lost);
    if (reportAll) {
      for (const pod of await this.listPods())
        for (const c of pod.containers) for (const l of this.exitListeners) l(c);
    }
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      this.followEvents(true).then(
        () => this.log('Docker Engine event stream is back'),
        () => this.scheduleReconnect(),
      );
    }, 1_000);
  }

  private async reportExit(id: string): Promise<void> {
    // Its pid may be reused by another process now.
    this.pids.delete(id);
    const status = await this.containerStatus(id).catch(() => undefined);
    if (status) for (const l of this.exitListeners) l(status);
  }

  private log(message: string): void {
    this.o.log?.(`docker runtime: ${message}`);
  }
}

/**
 * Docker's log stream for a container without a TTY is multiplexed: frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian length) and a payload. kubectl shows stdout
 * and stderr interleaved, so the payloads are passed on in order and the headers dropped. A
 * Transform (rather than dockerode's demuxStream) so a slow reader holds Docker back.
 */
class DockerLogDemux extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      this.push(buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.pending = buf;
    done();
  }
}

function sandboxIP(settings: Docker.ContainerInspectInfo['NetworkSettings']): string {
  return Object.values(settings.Networks ?? {})[0]?.IPAddress ?? '';
}

/** `docker inspect` as the kubelet's container status: state, exit code and Kubernetes' reason. */
export function statusFromInspect(info: Docker.ContainerInspectInfo): RuntimeContainerStatus {
  const labels = info.Config.Labels ?? {};
  const s = info.State;
  const base = {
    id: info.Id,
    podUid: labels[podUidLabel] ?? '',
    name: labels[containerNameLabel] ?? '',
    image: info.Config.Image,
    imageID: `docker://${info.Image}`,
    attempt: Number(labels[restartCountLabel] ?? 0),
    createdAtMs: dockerTime(info.Created) ?? 0,
    startedAtMs: dockerTime(s.StartedAt),
  };
  if (s.Running || s.Restarting || s.Paused) return { ...base, state: 'running' };
  // A container whose start failed stays "created" with Docker's error: Kubernetes shows it as
  // terminated with reason StartError (exit code 128, as containerd reports it).
  if (s.Status === 'created' && s.Error)
    return {
      ...base,
      state: 'exited',
      exitCode: 128,
      reason: 'StartError',
      message: s.Error,
      startedAtMs: base.createdAtMs,
      finishedAtMs: dockerTime(s.FinishedAt) ?? base.createdAtMs,
    };
  if (s.Status === 'created') return { ...base, state: 'created' };
  return {
    ...base,
    state: 'exited',
    exitCode: s.ExitCode,
    reason: s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error',
    ...(s.Error ? { message: s.Error } : {}),
    finishedAtMs: dockerTime(s.FinishedAt),
  };
}
