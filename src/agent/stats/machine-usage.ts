// The machine's own cpu and memory use, from /proc (what cAdvisor reports for the root cgroup):
// cpu time spent not idle, and memory in use as MemTotal - MemAvailable.
import { readFile } from 'node:fs/promises';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux kubelab runs on. */
const nanosPerTick = 10_000_000;

export interface MachineUsage {
  cpuUsageCoreNanoSeconds: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  memoryFreeBytes: number;
}

/** Busy cpu time from the `cpu` line of /proc/stat: every column but idle and iowait. */
export function parseProcStat(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return (ticks.reduce((a, b) => a + b, 0) - idle) * nanosPerTick;
}

export function parseMeminfo(
  text: string,
): Pick<MachineUsage, 'memoryTotalBytes' | 'memoryAvailableBytes' | 'memoryFreeBytes'> {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return {
    memoryTotalBytes: kib('MemTotal'),
    memoryAvailableBytes: kib('MemAvailable'),
    memoryFreeBytes: kib('MemFree'),
  };
}

export async function machineUsage(): Promise<MachineUsage> {
  const [stat, meminfo] = await Promise.all([
    readFile('/proc/stat', 'utf8'),
    readFile('/proc/meminfo', 'utf8'),
  ]);
  return { cpuUsageCoreNanoSeconds: parseProcStat(stat), ...parseMeminfo(meminfo) };
}
