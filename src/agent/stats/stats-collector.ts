// The agent's usage sampler (the kubelet's cAdvisor housekeeping, reduced): every interval it
// reads the machine's counters and each running container's cgroup counters through the
// runtime, and turns two successive samples into rates (nanocores). The last result is what
// GET /stats/summary serves. Sampling is level-triggered from the runtime's own list of pods,
// so a container started or gone since the last tick is picked up or dropped by itself.
import type { CpuStats, MemoryStats, PodStats, StatsSummary } from '../../api/stats-summary.js';
import { rfc3339 } from '../../api/time.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import type { ContainerRuntime, ContainerUsage } from '../runtime/runtime.js';
import { type MachineUsage, machineUsage } from './machine-usage.js';

export const defaultStatsIntervalMs = 5_000;

export interface StatsCollectorOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  clock: Clock;
  intervalMs?: number;
  /** The machine's counters (default: /proc). */
  machine?: () => Promise<MachineUsage>;
  log?(message: string): void;
}

interface Sample {
  atMs: number;
  cpuNanoSeconds: number;
}

export class StatsCollector {
  private readonly previous = new Map<string, Sample>();
  private latest?: StatsSummary;
  private timer?: TimerHandle;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly o: StatsCollectorOptions) {
    this.intervalMs = o.intervalMs ?? defaultStatsIntervalMs;
  }

  start(): void {
    const tick = () => {
      this.sample()
        .catch((e: Error) => this.o.log?.(`stats: ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = this.o.clock.setTimeout(tick, this.intervalMs);
        });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  /** The last complete sample with rates; undefined until two samples were taken. */
  summary(): StatsSummary | undefined {
    return this.latest;
  }

  /** Takes one sample now (start() does this every interval). */
  async sample(): Promise<void> {
    const now = this.o.clock.now();
    const time = rfc3339(now);
    const machine = await (this.o.machine ?? machineUsage)();
    const seen = new Set<string>(['node']);
    const pods: PodStats[] = [];
    const runtime = this.o.runtime;
    const listed = runtime.listPods && runtime.containerUsage ? await runtime.listPods() : [];
    for (const pod of listed) {
      const running = pod.containers.filter((c) => c.state === 'running');
      const usages = await Promise.all(running.map((c) => runtime.containerUsage?.(c.id)));
      const containers = running.flatMap((c, i) => {
        const usage = usages[i];
        if (!usage) return [];
        seen.add(c.id);
        return [{ name: c.name, ...this.containerStats(c.id, usage, now, time) }];
      });
      if (!containers.length) continue;
      pods.push({
        podRef: { name: pod.podName, namespace: pod.namespace, uid: pod.podUid },
        containers,
        cpu: sumCpu(
          containers.map((c) => c.cpu),
          time,
        ),
        memory: sumMemory(
          containers.map((c) => c.memory),
          time,
        ),
      });
    }
    const nodeCpu = this.rate('node', machine.cpuUsageCoreNanoSeconds, now, time);
    for (const key of this.previous.keys()) if (!seen.has(key)) this.previous.delete(key);
    // Rates exist from the second sample on: before that there is nothing honest to serve.
    if (nodeCpu.usageNanoCores === undefined) return;
    this.latest = {
      node: {
        nodeName: this.o.nodeName,
        cpu: nodeCpu,
        memory: {
          time,
          availableBytes: machine.memoryAvailableBytes,
          usageBytes: machine.memoryTotalBytes - machine.memoryFreeBytes,
          workingSetBytes: machine.memoryTotalBytes - machine.memoryAvailableBytes,
        },
      },
      pods,
      windowSeconds: this.intervalMs / 1000,
    };
  }

  private containerStats(
    id: string,
    usage: ContainerUsage,
    now: number,
    time: string,
  ): { cpu: CpuStats; memory: MemoryStats } {
    return {
      cpu: this.rate(id, usage.cpuUsageCoreNanoSeconds, now, time),
      memory: { time, usageBytes: usage.memoryUsageBytes, workingSetBytes: usage.memoryWorkingSetBytes },
    };
  }

  /** Cumulative cpu time -> the rate since the previous sample of the same counter. */
  private rate(key: string, cpuNanoSeconds: number, now: number, time: string): CpuStats {
    const prev = this.previous.get(key);
    this.previous.set(key, { atMs: now, cpuNanoSeconds });
    const stats: CpuStats = { time, usageCoreNanoSeconds: cpuNanoSeconds };
    // A counter that went down belongs to a restarted container: start over.
    if (prev && now > prev.atMs && cpuNanoSeconds >= prev.cpuNanoSeconds)
      stats.usageNanoCores = Math.round(((cpuNanoSeconds - prev.cpuNanoSeconds) / (now - prev.atMs)) * 1e3);
    return stats;
  }
}

function sumCpu(parts: CpuStats[], time: string): CpuStats {
  const known = parts.every((p) => p.usageNanoCores !== undefined);
  return {
    time,
    usageCoreNanoSeconds: parts.reduce((a, p) => a + p.usageCoreNanoSeconds, 0),
    ...(known ? { usageNanoCores: parts.reduce((a, p) => a + (p.usageNanoCores ?? 0), 0) } : {}),
  };
}

function sumMemory(parts: MemoryStats[], time: string): MemoryStats {
  return {
    time,
    usageBytes: parts.reduce((a, p) => a + p.usageBytes, 0),
    workingSetBytes: parts.reduce((a, p) => a + p.workingSetBytes, 0),
  };
}
