// A container's usage read straight from its cgroup, as cAdvisor does for the kubelet: the
// process' /proc/<pid>/cgroup names its cgroup, and the controller files hold the counters.
// cgroup v1: cpuacct.usage (ns), memory.usage_in_bytes and memory.stat's total_inactive_file;
// cgroup v2: cpu.stat usage_usec, memory.current and memory.stat's inactive_file. Docker
// Engine's own stats API reads the same files through containerd, but on some hosts (this
// project's CI machines among them) it answers empty, so the agent reads them itself.
import { readFile } from 'node:fs/promises';
import type { ContainerUsage } from '../runtime/runtime.js';

export interface CgroupRoots {
  proc: string;
  cgroup: string;
}

const defaultRoots: CgroupRoots = { proc: '/proc', cgroup: '/sys/fs/cgroup' };

/** controller list (e.g. "cpu,cpuacct", "" for v2) -> path, from /proc/<pid>/cgroup. */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (m) paths.set(m[1] ?? '', m[2] ?? '/');
  }
  return paths;
}

function statValue(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const readNumber = async (path: string) => Number((await readFile(path, 'utf8')).trim());

/** The usage of the cgroup process `pid` is in; throws when its files cannot be read. */
export async function cgroupUsage(pid: number, roots: CgroupRoots = defaultRoots): Promise<ContainerUsage> {
  const paths = parseProcCgroup(await readFile(`${roots.proc}/${pid}/cgroup`, 'utf8'));
  const v1 = (controller: string) => {
    for (const [controllers, path] of paths)
      if (controllers.split(',').includes(controller)) return `${roots.cgroup}/${controllers}${path}`;
    return undefined;
  };
  const cpuDir = v1('cpuacct');
  const memoryDir = v1('memory');
  if (cpuDir && memoryDir) {
    const [cpu, usage, stat] = await Promise.all([
      readNumber(`${cpuDir}/cpuacct.usage`),
      readNumber(`${memoryDir}/memory.usage_in_bytes`),
      readFile(`${memoryDir}/memory.stat`, 'utf8'),
    ]);
    const inactive = statValue(stat, 'total_inactive_file') ?? 0;
    return {
      cpuUsageCoreNanoSeconds: cpu,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - inactive),
    };
  }
  const unified = paths.get('');
  if (unified === undefined) throw new Error(`no cpu and memory cgroup for process ${pid}`);
  const dir = `${roots.cgroup}${unified}`;
  const [cpuStat, usage, stat] = await Promise.all([
    readFile(`${dir}/cpu.stat`, 'utf8'),
    readNumber(`${dir}/memory.current`),
    readFile(`${dir}/memory.stat`, 'utf8'),
  ]);
  const inactive = statValue(stat, 'inactive_file') ?? 0;
  return {
    cpuUsageCoreNanoSeconds: (statValue(cpuStat, 'usage_usec') ?? 0) * 1000,
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.max(0, usage - inactive),
  };
}
