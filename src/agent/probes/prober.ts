// The kubelet's prober manager for real containers: one worker per running container runs
// its startup, readiness and liveness probes on their own timers (initialDelaySeconds from
// the container's start, periodSeconds, timeoutSeconds, success/failure thresholds).
// Until a startup probe succeeds, readiness and liveness are not run. Initial results are
// Kubernetes': not ready, alive, not started. A failed liveness or startup probe stops the
// container (events Unhealthy + Killing) and the pod sync loop restarts it under the
// crash-loop back-off; result changes are reported so the pod's status is written at once.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import type {
  ContainerRuntime,
  ProbeTarget,
  ReadinessProber,
  RuntimeContainerStatus,
} from '../runtime/runtime.js';
import { runHandler } from './handler.js';

type ProbeType = 'Startup' | 'Readiness' | 'Liveness';

interface ProbeLoop {
  type: ProbeType;
  probe: Probe;
  successes: number;
  failures: number;
  timer?: TimerHandle;
}

interface Worker {
  containerId: string;
  startedAtMs: number;
  target: ProbeTarget;
  started: boolean;
  ready: boolean;
  /** Set once the container was killed for failing a probe: nothing more to probe. */
  onHold: boolean;
  loops: ProbeLoop[];
}

function seconds(v: number | undefined, fallback: number): number {
  return (v ?? fallback) * 1000;
}

/** What the pod status said about this very container before (an agent restart adopting it). */
function recordedStatus(pod: Pod, name: string, containerId: string) {
  return pod.status?.containerStatuses?.find(
    (s) => s.name === name && s.containerID?.endsWith(`://${containerId}`),
  );
}

export class ContainerProber implements ReadinessProber {
  private readonly workers = new Map<string, Worker>();
  private readonly listeners = new Set<(podUid: string) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly clock: Clock,
    private readonly runtime: ContainerRuntime,
  ) {
    this.unsubscribe = runtime.onContainerExit((s) => {
      if (s.state === 'exited') this.drop(`${s.podUid}/${s.name}`, s.id);
    });
  }

  check(
    container: RuntimeContainerStatus,
    nowMs: number,
    target?: ProbeTarget,
  ): { ready: boolean; started?: boolean } {
    if (container.state !== 'running') return { ready: false, started: false };
    if (!target) return { ready: true, started: true };
    const key = `${container.podUid}/${container.name}`;
    let w = this.workers.get(key);
    if (w && w.containerId !== container.id) {
      this.drop(key, w.containerId);
      w = undefined;
    }
    if (!w) {
      w = this.newWorker(container, nowMs, target);
      this.workers.set(key, w);
    }
    w.target = target;
    return { ready: w.ready, started: w.started };
  }

  onResultChange(listener: (podUid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    for (const key of [...this.workers.keys()]) this.drop(key);
  }

  private newWorker(container: RuntimeContainerStatus, nowMs: number, target: ProbeTarget): Worker {
    const spec: Container = target.spec;
    const before = recordedStatus(target.pod, spec.name, container.id);
    const loops: ProbeLoop[] = [];
    const add = (type: ProbeType, probe: Probe | undefined) => {
      if (probe) loops.push({ type, probe, successes: 0, failures: 0 });
    };
    add('Startup', spec.startupProbe);
    add('Readiness', spec.readinessProbe);
    add('Liveness', spec.livenessProbe);
    const w: Worker = {
      containerId: container.id,
      startedAtMs: container.startedAtMs ?? nowMs,
      target,
      // An adopted container keeps what was already established about it.
      started: !spec.startupProbe || before?.started === true,
      ready: spec.readinessProbe ? before?.ready === true : true,
      onHold: false,
      loops,
    };
    for (const loop of loops) this.schedule(w, loop, 0);
    return w;
  }

  private schedule(w: Worker, loop: ProbeLoop, delayMs: number): void {
    loop.timer = this.clock.setTimeout(() => void this.tick(w, loop), delayMs);
  }

  private async tick(w: Worker, loop: ProbeLoop): Promise<void> {
    loop.timer = undefined;
    if (w.onHold || this.workers.get(`${this.podUid(w)}/${w.target.spec.name}`) !== w) return;
    const period = seconds(loop.probe.periodSeconds, 10);
    const sinceStart = this.clock.now() - w.startedAtMs;
    const initialDelay = seconds(loop.probe.initialDelaySeconds, 0);
    // A startup probe is done once it succeeded; the others wait for it.
    if (loop.type === 'Startup' && w.started) return;
    const waiting = loop.type !== 'Startup' && !w.started;
    if (sinceStart < initialDelay) {
      this.schedule(w, loop, initialDelay - sinceStart);
      return;
    }
    if (!waiting) await this.runOnce(w, loop);
    if (!w.onHold && this.workers.get(`${this.podUid(w)}/${w.target.spec.name}`) === w)
      this.schedule(w, loop, period);
  }

  private async runOnce(w: Worker, loop: ProbeLoop): Promise<void> {
    const { pod, spec, podIP, recorder } = w.target;
    const result = await runHandler(
      loop.probe,
      { runtime: this.runtime, containerId: w.containerId, spec, podIP },
      seconds(loop.probe.timeoutSeconds, 1),
    );
    if (w.onHold) return;
    if (result.ok) {
      loop.failures = 0;
      loop.successes++;
    } else {
      loop.successes = 0;
      loop.failures++;
      recorder.event(pod, 'Warning', 'Unhealthy', `${loop.type} probe failed: ${result.message}`.trim());
    }
    const passed = loop.successes >= (loop.probe.successThreshold ?? 1);
    const failed = loop.failures >= (loop.probe.failureThreshold ?? 3);
    if (loop.type === 'Readiness') {
      const ready = passed ? true : failed ? false : w.ready;
      if (ready !== w.ready) {
        w.ready = ready;
        this.changed(w);
      }
    } else if (loop.type === 'Startup' && passed && !w.started) {
      w.started = true;
      this.changed(w);
    } else if (failed) {
      await this.kill(w, loop);
    }
  }

  private async kill(w: Worker, loop: ProbeLoop): Promise<void> {
    const { pod, spec, recorder } = w.target;
    w.onHold = true;
    recorder.event(
      pod,
      'Normal',
      'Killing',
      `Container ${spec.name} failed ${loop.type.toLowerCase()} probe, will be restarted`,
    );
    const graceSeconds =
      loop.probe.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.runtime.stopContainer(w.containerId, graceSeconds * 1000).catch(() => undefined);
    this.changed(w);
  }

  private changed(w: Worker): void {
    const uid = this.podUid(w);
    for (const l of this.listeners) l(uid);
  }

  private podUid(w: Worker): string {
    return w.target.pod.metadata?.uid ?? '';
  }

  private drop(key: string, containerId?: string): void {
    const w = this.workers.get(key);
    if (!w || (containerId && w.containerId !== containerId)) return;
    w.onHold = true;
    for (const loop of w.loops) if (loop.timer) this.clock.clearTimeout(loop.timer);
    this.workers.delete(key);
  }
}
