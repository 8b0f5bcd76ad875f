// `kubelab dashboard` as a user runs it: the built program in a real terminal (tmux), on a
// cluster of real processes (`kubelab up --provider sim`: a control plane and two SIMULATED
// agents). The screen is read back with capture-pane and polled until it shows what is
// expected (never a fixed sleep): the title, the nodes, why the charts are empty on SIMULATED
// nodes, a Deployment's rollout numbers as it is applied and scaled, events (a Warning in
// red), a control plane that stops answering and comes back, resizing, and q giving the
// terminal back with exit code 0.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/provision/cluster-records.js';
import { webDeployment } from '../helpers/machine-cluster.js';
import { requireProgram } from '../helpers/require-program.js';
import { kubelabCli, runCommand } from '../helpers/run-command.js';
import { podsBySelector, type SimClusterCli, startSimClusterCli } from '../helpers/sim-cluster-cli.js';
import { TmuxSession } from '../helpers/tmux-session.js';
import { until } from '../helpers/until.js';

let cluster: SimClusterCli;
const sessions: TmuxSession[] = [];

/** `kubelab dashboard` in a new terminal of `columns` x `rows` on the cluster of KUBELAB_HOME `home`. */
async function openDashboard(
  name: string,
  home: string,
  columns: number,
  rows: number,
): Promise<TmuxSession> {
  const session = await TmuxSession.start(
    `kubelab-dashboard-${name}-${process.pid}`,
    // The cluster is KUBELAB_HOME's current one, whatever the caller's KUBECONFIG says.
    `env -u KUBECONFIG ${process.execPath} ${kubelabCli} dashboard`,
    { columns, rows, env: { KUBELAB_HOME: home, LANG: 'C.UTF-8' } },
  );
  sessions.push(session);
  return session;
}

/** Every line any wait has shown: the event log scrolls, so a line may be gone by the time it is looked for. */
const seen = new Set<string>();
const seenLine = (pattern: RegExp) => [...seen].find((l) => pattern.test(l));

/** Waits until `check` holds for the screen, remembering every line shown on the way. */
const screenWhen = (
  session: TmuxSession,
  what: string,
  check: (text: string) => boolean,
  timeoutMs = 30_000,
) =>
  session.waitFor(
    what,
    (text) => {
      for (const line of text.split('\n')) seen.add(line);
      return check(text);
    },
    timeoutMs,
  );

/** The screen with its colours, as escape sequences. */
const colouredScreen = async (session: TmuxSession) =>
  (await runCommand('tmux', ['capture-pane', '-p', '-e', '-t', session.name])).stdout;

/** The numbers over the bars: the line above the titles, inside the pods panel (the first cell of the row). */
function barValues(text: string, titles: RegExp): number[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => titles.test(l));
  const cell = lines[at - 1]?.split('│')[1] ?? '';
  return cell.trim().split(/\s+/).map(Number);
}

beforeAll(async () => {
  requireProgram('tmux', ['-V'], 'tmux');
  cluster = await startSimClusterCli(2, 'dash');
}, 120_000);

afterAll(async () => {
  for (const session of sessions) await session.kill();
  await cluster?.down();
});

describe('kubelab dashboard', () => {
  it('refuses to start without a terminal, with exit code 2', async () => {
    const piped = await cluster.run('dashboard');
    expect(piped.code).toBe(2);
    expect(piped.stderr).toBe(
      'error: kubelab dashboard needs a terminal: run it with stdin and stdout on a TTY\n',
    );
  });

  it('says there is no cluster and that `kubelab up` makes one, offering nothing', async () => {
    const emptyHome = await mkdtemp(join(tmpdir(), 'kubelab-home-'));
    try {
      const session = await openDashboard('nocluster', emptyHome, 120, 20);
      const text = await screenWhen(session, 'the refusal', (s) => s.includes('[exited'));
      expect(text).toContain(
        'error: no cluster selected: create one with `kubelab up`, or pass --kubeconfig FILE',
      );
      expect(text).toContain('[exited 2]');
      expect(text).not.toMatch(/\[Y\/n\]/);
    } finally {
      await rm(emptyHome, { recursive: true, force: true });
    }
  });

  describe('on a SIMULATED cluster', () => {
    let session: TmuxSession;

    it('shows the cluster, SIMULATED, its nodes, and why the charts have no lines', async () => {
      session = await openDashboard('sim', cluster.home, 160, 45);
      const text = await screenWhen(session, 'the title, connected', (s) =>
        /kubelab dashboard │ dash \(sim\) SIMULATED nodes │ ● connected │ ns all/.test(s),
      );
      // The Nodes panel, and the pods-per-node chart with a bar per node and one for Pending.
      expect(text).toMatch(/■ dash-worker\s/);
      expect(text).toMatch(/■ dash-worker2\s/);
      const titles = /dash-worker\s+dash-worker2\s+Pending/;
      expect(text).toMatch(titles);
      expect(barValues(text, titles)).toEqual([0, 0, 0]);
      // The sim cluster serves metrics.k8s.io, but SIMULATED nodes run nothing: no usage to chart.
      const charts = await screenWhen(session, 'the charts say why they are empty', (s) =>
        s.includes('CPU used, millicores: SIMULATED, no usage'),
      );
      expect(charts).toContain('Memory used, MiB: SIMULATED, no usage');
      expect(charts).toContain('All 2 nodes are SIMULATED:');
      expect(charts).toContain('metrics.k8s.io has no usage for them.');
      expect(charts).toContain('no Deployments yet');
    });

    it("follows a Deployment's rollout, its events, a Warning in red, and a scale", async () => {
      // web, and a Deployment whose pod no node can take (Pending, and a FailedScheduling Warning).
      const stuck = webDeployment(1, { nodeSelector: { disk: 'ssd' } });
      stuck.metadata.name = 'stuck';
      stuck.spec.selector.matchLabels.app = 'stuck';
      stuck.spec.template.metadata.labels.app = 'stuck';
      const applied = await cluster.apply(
        [webDeployment(3), stuck].map((d) => JSON.stringify(d)).join('\n---\n'),
      );
      expect(applied.code, applied.stderr).toBe(0);
      const titles = /dash-worker\s+dash-worker2\s+Pending/;
      const rolledOut = await screenWhen(session, 'web rolled out, stuck pending', (s) => {
        const [a, b, pending] = barValues(s, titles);
        return /web\s+1\s+3\/3\s+3\/3\s+3\/3\s+0 █{8} ✓ complete/.test(s) && a! + b! === 3 && pending === 1;
      });
      expect(rolledOut).toMatch(/stuck\s+1\s+1\/1\s+0\/1\s+0\/1\s+0 ░{8} → rolling out/);
      // Events as they arrive: a pod's start is among the last of a rollout's, so still on screen.
      await screenWhen(session, 'a web pod started, in the log', () =>
        Boolean(
          seenLine(/^│\d\d:\d\d:\d\d Normal {2}pod\/web-\S+\s+Started\s+Started container web \(SIMULATED\)/),
        ),
      );

      // The scheduler's Warning for the pod no node can take, in red.
      const coloured = await until(
        'FailedScheduling in the log',
        async () => {
          const s = await colouredScreen(session);
          return s.includes('FailedScheduling') && s;
        },
        30_000,
        200,
      );
      const warning = coloured.split('\n').find((l) => l.includes('FailedScheduling'))!;
      const red = '\u001b[31m';
      expect(warning).toContain(red);
      expect(warning.slice(warning.indexOf(red) + red.length)).toMatch(/^\d\d:\d\d:\d\d Warning pod\/stuck-/);

      const before = new Set(
        (await podsBySelector(cluster.client(), 'app=web')).pods.map((p) => p.metadata?.name),
      );
      const scaled = await cluster.run('scale', 'deployment/web', '--replicas=5');
      expect(scaled.code, scaled.stderr).toBe(0);
      await screenWhen(session, 'web at 5 replicas', (s) => {
        const [a, b] = barValues(s, titles);
        return /web\s+1\s+5\/5\s+5\/5\s+5\/5\s+0 █{8} ✓ complete/.test(s) && a! + b! === 5;
      });
      const added = (await podsBySelector(cluster.client(), 'app=web')).pods
        .map((p) => p.metadata!.name!)
        .filter((name) => !before.has(name));
      expect(added).toHaveLength(2);
      for (const name of added)
        await screenWhen(session, `${name} started, in the log`, () =>
          Boolean(seenLine(new RegExp(`pod/${name}\\s+Started\\s+Started container web`))),
        );
    });

    it('shows a control plane that stops answering in the title, and recovers when it is back', async () => {
      const record = JSON.parse(
        await readFile(join(cluster.home, 'clusters', 'dash', 'cluster.json'), 'utf8'),
      ) as ClusterRecord;
      const pid = record.machines.find((m) => m.role === 'control-plane')!.pid!;
      // Frozen, the server accepts connections but answers nothing: the sample poll times out.
      process.kill(pid, 'SIGSTOP');
      try {
        const down = await screenWhen(session, 'API unreachable in the title', (s) =>
          /● API unreachable, retrying \(\d+s\) │ ns all \S+ q quit GET https:\/\/127\.0\.0\.1/.test(s),
        );
        expect(down).toMatch(/kubelab dashboard │ dash \(sim\)/);
        // What was known stays on the wall while the server is away.
        expect(down).toMatch(/web\s+1\s+5\/5/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await screenWhen(session, 'connected again', (s) => /SIMULATED nodes │ ● connected │/.test(s));
    });

    it('lays itself out again when the terminal is resized', async () => {
      await runCommand('tmux', ['resize-window', '-t', session.name, '-x', '120', '-y', '35']);
      // At 120 columns the bar titles no longer fit whole: the common prefix goes.
      const text = await screenWhen(session, 'the narrower layout', (s) =>
        /worker\s+worker2\s+Pending/.test(s),
      );
      expect(text).not.toMatch(/dash-worker\s+dash-worker2\s+Pending/);
      const widths = text
        .split('\n')
        .filter((l) => l.startsWith('┌') || l.startsWith('└'))
        .map((l) => l.length);
      expect(Math.max(...widths)).toBeLessThanOrEqual(120);
      expect(text).toMatch(/web\s+1\s+5\/5\s+5\/5\s+5\/5/);
    });

    it('quits on q with exit code 0 and gives the terminal back', async () => {
      await session.keys('q');
      const text = await screenWhen(session, 'the exit code', (s) => s.includes('[exited'));
      expect(text).toContain('[exited 0]');
      expect(text).not.toContain('Pods per node');
      const state = await runCommand('tmux', [
        'display-message',
        '-p',
        '-t',
        session.name,
        '#{alternate_on} #{cursor_flag}',
      ]);
      // Main screen again, cursor shown.
      expect(state.stdout.trim()).toBe('0 1');
    });
  });
});
