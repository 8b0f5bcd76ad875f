// The TUI's cost. Frames: the whole Ink app drawn into an off-screen 160x45 terminal from
// SIMULATED fixture clusters of 5 nodes / 200 pods and 50 nodes / 2,000 pods; a frame is timed
// from the new snapshot to Ink's write (React, layout, diff against the previous frame), for
// the overview and the pod list, both when only time passed (the clock tick: ages and
// countdowns) and when a pod moved between nodes. Idle: `kubelab tui` itself, in tmux, on a
// running sim cluster (5 agents, 200 pods, a Lease renewed by every node every second), its
// process CPU over 30 s with no key pressed.
// Targets: <= 16 ms per frame at 200 pods; idle CPU <= 2 %.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resource } from '../src/api/resources.js';
import { ApiClient } from '../src/client/rest-client.js';
import type { ClusterSnapshot } from '../src/tui/data/cluster-snapshot.js';
import type { Screen } from '../src/tui/navigation.js';
import { webDeployment } from '../test/helpers/machine-cluster.js';
import { startSimClusterCli } from '../test/helpers/sim-cluster-cli.js';
import { until } from '../test/helpers/until.js';
import { report, summarize } from './harness.js';

// React's development build is several times slower; the kubelab bundle is built for
// production (scripts/build.mjs), so the UI modules are loaded only once this is set.
process.env.NODE_ENV = 'production';
const { render } = await import('ink');
const { createElement } = await import('react');
const { ClusterActions } = await import('../src/tui/actions/cluster-actions.js');
const { App } = await import('../src/tui/app.js');
const { snapshotOf } = await import('../src/tui/data/cluster-snapshot.js');
const { SnapshotSource } = await import('../src/tui/data/cluster-source.js');
const { listScreen, overviewScreen } = await import('../src/tui/navigation.js');
const { simulatedCluster } = await import('../test/helpers/tui-fixtures.js');

const columns = 160;
const rows = 45;
const framesPerCase = Number(process.env.BENCH_FRAMES ?? 100);

/** A terminal that counts what is written to it. */
class OffscreenTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly columns = columns;
  readonly rows = rows;
  bytes = 0;
  write(chunk: string): boolean {
    this.bytes += chunk.length;
    return true;
  }
}

/** Keyboard input that never comes (Ink needs a raw-mode TTY to listen on). */
class SilentKeyboard extends EventEmitter {
  readonly isTTY = true;
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}

/** The same cluster with one pod moved to the next node, as a rescheduling looks to the TUI. */
function withPodMoved(s: ClusterSnapshot, i: number): ClusterSnapshot {
  const pods = [...s.pods];
  const at = i % pods.length;
  const pod = pods[at]!;
  const nodeNames = s.nodes.map((n) => n.metadata!.name!);
  const next = nodeNames[(nodeNames.indexOf(pod.spec!.nodeName!) + 1) % nodeNames.length]!;
  pods[at] = {
    ...pod,
    metadata: { ...pod.metadata, resourceVersion: String(i) },
    spec: { ...pod.spec!, nodeName: next },
  };
  return snapshotOf({ ...s, pods, objects: new Map([...s.objects, ['pods', pods]]) });
}

async function measure(base: ClusterSnapshot, screen: Screen, change: 'tick' | 'pod moved') {
  const source = new SnapshotSource(base);
  const terminal = new OffscreenTerminal();
  const client = new ApiClient({
    contextName: 'bench',
    clusterName: 'bench',
    userName: 'bench',
    server: 'https://127.0.0.1:9',
    insecureSkipTLSVerify: true,
    namespace: 'default',
  });
  let drawn: (() => void) | undefined;
  const inkMs: number[] = [];
  const ink = render(
    createElement(App, {
      services: {
        source,
        actions: new ClusterActions(client),
        openLogs: () => {
          throw new Error('no logs in this benchmark');
        },
        clusterLabel: 'bench (sim, SIMULATED nodes)',
      },
      size: { columns, rows },
      screen,
    }),
    {
      stdout: terminal as unknown as NodeJS.WriteStream,
      stderr: terminal as unknown as NodeJS.WriteStream,
      stdin: new SilentKeyboard() as unknown as NodeJS.ReadStream,
      interactive: true,
      incrementalRendering: true,
      exitOnCtrlC: false,
      patchConsole: false,
      // Ink's own frame cap (30/s) would make this measure waiting; the TUI's model caps frames itself.
      maxFps: 1000,
      onRender: ({ renderTime }) => {
        inkMs.push(renderTime);
        drawn?.();
      },
    },
  );
  const frameMs: number[] = [];
  const cpuMs: number[] = [];
  let current = base;
  for (let i = 0; i < framesPerCase + 10; i++) {
    current = change === 'tick' ? { ...current, now: current.now + 1000 } : withPodMoved(current, i);
    const done = new Promise<void>((r) => {
      drawn = r;
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    source.set(current);
    await done;
    const cpu = process.cpuUsage(cpu0);
    // The first frames warm up the JIT and Ink's caches.
    if (i >= 10) {
      frameMs.push(performance.now() - t0);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  ink.unmount();
  client.close();
  return {
    ...summarize(frameMs),
    // CPU time is what a frame costs this process; wall time also counts waiting for a core,
    // which on a busy machine can be most of it.
    cpuP50Ms: summarize(cpuMs).p50Ms,
    inkRenderP50Ms: summarize(inkMs.slice(10)).p50Ms,
    bytesPerFrame: Math.round(terminal.bytes / (framesPerCase + 11)),
  };
}

const loadAtStart = loadavg()[0];
const frames: Record<string, unknown>[] = [];
for (const [nodes, pods] of [
  [5, 200],
  [50, 2_000],
] as const) {
  const cluster = simulatedCluster(nodes, pods);
  for (const [view, screen] of [
    ['overview', overviewScreen],
    ['pods list', listScreen(resource.pods)],
  ] as const) {
    for (const change of ['tick', 'pod moved'] as const) {
      frames.push({ nodes, pods, view, change, ...(await measure(cluster, screen, change)) });
    }
  }
}

/** CPU time (user + system) of a process so far, in seconds, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
}

async function idleCpu() {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    return { measured: false, reason: 'tmux is not installed: the TUI needs a terminal to run in' };
  }
  const replicas = 200;
  const cluster = await startSimClusterCli(5, 'tuibench');
  const session = `kubelab-tui-bench-${process.pid}`;
  try {
    const applied = await cluster.apply(
      JSON.stringify(
        webDeployment(replicas, {}, { resources: { requests: { cpu: '10m', memory: '16Mi' } } }),
      ),
    );
    if (applied.code !== 0) throw new Error(applied.stderr);
    await until(
      `${replicas} running pods`,
      async () => {
        const pods = await cluster.client().resource(resource.pods, 'default').listAll();
        return (
          pods.items.filter((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running')
            .length === replicas
        );
      },
      180_000,
      500,
    );
    const panePid = Number(
      execFileSync('tmux', [
        'new-session',
        '-d',
        '-P',
        '-F',
        '#{pane_pid}',
        '-s',
        session,
        '-x',
        String(columns),
        '-y',
        String(rows),
        '-e',
        `KUBELAB_HOME=${cluster.home}`,
        '-e',
        `PATH=${process.env.PATH}`,
        process.execPath,
        'dist/kubelab.mjs',
        'tui',
      ])
        .toString()
        .trim(),
    );
    // Let it list, sync and settle before measuring.
    await new Promise((r) => setTimeout(r, 10_000));
    const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session]).toString();
    const windowS = 30;
    const before = cpuSeconds(panePid);
    const started = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const used = cpuSeconds(panePid) - before;
    const wallS = (performance.now() - started) / 1000;
    return {
      measured: true,
      nodes: 5,
      pods: replicas,
      windowS: Math.round(wallS),
      cpuPercent: Math.round((10_000 * used) / wallS) / 100,
      rssMb: Math.round(
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${panePid}/status`, 'utf8'))?.[1]) / 1024,
      ),
      screenShowsNodes: /tuibench-worker5/.test(screen),
    };
  } finally {
    try {
      execFileSync('tmux', ['kill-session', '-t', session]);
    } catch {
      // The session may not have started.
    }
    await cluster.down();
  }
}

const idle = await idleCpu();
await report('tui-render', {
  terminal: `${columns}x${rows}`,
  // Other work on the machine inflates wall times; the 1-minute load average says how much there was.
  loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0] },
  targets: { frameMsAt200Pods: 16, idleCpuPercent: 2 },
  frames,
  idle,
});
