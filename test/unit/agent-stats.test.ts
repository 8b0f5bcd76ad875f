import { describe, expect, it } from 'vitest';
import type { ContainerRuntime, ContainerUsage, RuntimePod } from '../../src/agent/runtime/runtime.js';
import { parseProcCgroup } from '../../src/agent/stats/cgroup-usage.js';
import { parseMeminfo, parseProcStat } from '../../src/agent/stats/machine-usage.js';
import { StatsCollector } from '../../src/agent/stats/stats-collector.js';
import { FakeClock } from '../../src/client/clock.js';

describe('machine usage from /proc', () => {
  it('counts busy cpu time: every column but idle and iowait, in 1/100 s', () => {
    const stat = 'cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n';
    expect(parseProcStat(stat)).toBe((100 + 5 + 50 + 3 + 2) * 10_000_000);
  });

  it('reads MemTotal, MemAvailable and MemFree in bytes', () => {
    const meminfo = 'MemTotal:       2048 kB\nMemFree:         512 kB\nMemAvailable:   1024 kB\n';
    expect(parseMeminfo(meminfo)).toEqual({
      memoryTotalBytes: 2048 * 1024,
      memoryAvailableBytes: 1024 * 1024,
      memoryFreeBytes: 512 * 1024,
    });
    expect(() => parseMeminfo('MemTotal: 1 kB\n')).toThrow(/MemFree|MemAvailable/);
  });
});

describe('/proc/<pid>/cgroup', () => {
  it('maps controller lists to paths, v1 and v2 alike', () => {
    const paths = parseProcCgroup(
      '4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/system.slice/x.scope\n',
    );
    expect(paths.get('memory')).toBe('/docker/abc');
    expect(paths.get('cpu,cpuacct')).toBe('/docker/abc');
    expect(paths.get('')).toBe('/system.slice/x.scope');
  });
});

describe('StatsCollector', () => {
  /** A runtime that holds one pod whose container's counters the test sets. */
  function runtimeWith(usage: () => ContainerUsage | undefined): ContainerRuntime {
    const pod: RuntimePod = {
      podUid: 'u1',
      podName: 'web',
      namespace: 'default',
      containers: [
        {
          id: 'c1',
          podUid: 'u1',
          name: 'web',
          image: 'i',
          imageID: 'i',
          attempt: 0,
          state: 'running',
          createdAtMs: 0,
        },
      ],
    };
    return {
      listPods: async () => [pod],
      containerUsage: async () => usage(),
    } as unknown as ContainerRuntime;
  }

  it('serves nothing until two samples, then rates in nanocores per second of clock', async () => {
    const clock = new FakeClock(1_000_000);
    let containerCpu = 0;
    let machineCpu = 0;
    const collector = new StatsCollector({
      nodeName: 'n1',
      clock,
      runtime: runtimeWith(() => ({
        cpuUsageCoreNanoSeconds: containerCpu,
        memoryUsageBytes: 3000,
        memoryWorkingSetBytes: 2000,
      })),
      machine: async () => ({
        cpuUsageCoreNanoSeconds: machineCpu,
        memoryTotalBytes: 10_000,
        memoryAvailableBytes: 6_000,
        memoryFreeBytes: 4_000,
      }),
    });
    await collector.sample();
    expect(collector.summary()).toBeUndefined();
    clock.step(2_000);
    containerCpu += 1_000_000_000; // one cpu-second in two seconds: half a core
    machineCpu += 3_000_000_000;
    await collector.sample();
    const s = collector.summary();
    expect(s?.node.cpu.usageNanoCores).toBe(1_500_000_000);
    expect(s?.node.memory).toMatchObject({
      workingSetBytes: 4_000,
      usageBytes: 6_000,
      availableBytes: 6_000,
    });
    expect(s?.pods).toHaveLength(1);
    expect(s?.pods[0]?.podRef).toEqual({ name: 'web', namespace: 'default', uid: 'u1' });
    expect(s?.pods[0]?.containers[0]?.cpu.usageNanoCores).toBe(500_000_000);
    expect(s?.pods[0]?.cpu.usageNanoCores).toBe(500_000_000);
    expect(s?.pods[0]?.memory.workingSetBytes).toBe(2000);
  });

  it('starts a container over when its counter goes back (a new instance), and drops a gone one', async () => {
    const clock = new FakeClock(0);
    let cpu = 5_000_000_000;
    let present = true;
    let machineCpu = 0;
    const collector = new StatsCollector({
      nodeName: 'n1',
      clock,
      runtime: runtimeWith(() =>
        present ? { cpuUsageCoreNanoSeconds: cpu, memoryUsageBytes: 1, memoryWorkingSetBytes: 1 } : undefined,
      ),
      machine: async () => {
        machineCpu += 1e9;
        return {
          cpuUsageCoreNanoSeconds: machineCpu,
          memoryTotalBytes: 1,
          memoryAvailableBytes: 1,
          memoryFreeBytes: 1,
        };
      },
    });
    await collector.sample();
    clock.step(1_000);
    cpu = 1_000; // restarted
    await collector.sample();
    expect(collector.summary()?.pods[0]?.containers[0]?.cpu.usageNanoCores).toBeUndefined();
    expect(collector.summary()?.pods[0]?.cpu.usageNanoCores).toBeUndefined();
    clock.step(1_000);
    present = false;
    await collector.sample();
    expect(collector.summary()?.pods).toEqual([]);
  });
});
