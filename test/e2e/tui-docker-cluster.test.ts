// The TUI as a person uses it, in a real terminal (tmux) on a real docker-provider cluster:
// `kubelab` with no cluster offers to start one and shows each machine's bootstrap; then, all
// from the keyboard, a manifest is applied, a worker is powered off (it turns NotReady and its
// pods appear in the other worker's card), recovered, a rolling update runs to completion, and
// a pod's logs open. Everything is read off the screen with capture-pane. Last, `kubelab down`
// leaves no container, network or volume of the cluster behind.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLabel } from '../../src/provision/providers/docker-machines.js';
import { holdLockForFile, nodeImageBuilt, withLock } from '../helpers/e2e-fixtures.js';
import { kubelabIn, webDeployment } from '../helpers/machine-cluster.js';
import { kubelabCli } from '../helpers/run-command.js';
import { cardText, TmuxSession } from '../helpers/tmux-session.js';

// `kubelab` with no cluster starts the default one, named "kubelab": its machines are the
// containers kubelab-control-plane, kubelab-worker and kubelab-worker2.
const workers = ['kubelab-worker', 'kubelab-worker2'];
const home = mkdtempSync(join(tmpdir(), 'kubelab-tui-e2e-'));
const { run: cli } = kubelabIn(home);
let tui: TmuxSession;

/** Pods drawn ready (`+ web-…`) in a node's card. */
const readyWebPods = (screen: string, node: string) =>
  (cardText(screen, `${node} ●`)?.match(/\+ web-/g) ?? []).length;

/**
 * `:WHAT` Enter, then wait for the screen it opens (its breadcrumb), as a person looks before
 * typing on: keys sent before the new screen is drawn would still meet the old one's bindings.
 */
async function jump(what: string, crumb: string) {
  await tui.keys(':');
  await tui.type(what);
  await tui.keys('Enter');
  await tui.waitFor(`the ${crumb} screen`, (s) => (s.split('\n')[0] ?? '').endsWith(crumb));
}

/** In a list: `/TEXT` Enter narrows it to the matching rows. */
async function filter(text: string) {
  await tui.keys('/');
  await tui.type(text);
  await tui.keys('Enter');
  await tui.waitFor(`the list filtered by ${text}`, (s) => (s.split('\n')[0] ?? '').endsWith(`/${text}`));
}

holdLockForFile('host-docker', 'shared');
// A cluster of its own (or a node image build): one such file at a time on two cores.
holdLockForFile('machines', 'exclusive');

beforeAll(async () => {
  await nodeImageBuilt({ docker: true });
  // Another cluster named "kubelab" on this Docker Engine (someone's own) would be adopted.
  const clash = await new Docker().listContainers({
    all: true,
    filters: { name: ['^/kubelab-control-plane$'] },
  });
  if (clash.length > 0)
    throw new Error(
      'a container kubelab-control-plane exists already (your own default cluster?): run `kubelab down` first',
    );
  // Share the machine's image cache: the node image takes ~2 minutes to build once.
  symlinkSync(join(process.env.KUBELAB_HOME || join(homedir(), '.kubelab'), 'images'), join(home, 'images'));
  tui = await TmuxSession.start(`kubelab-tui-e2e-${process.pid}`, `${process.execPath} ${kubelabCli}`, {
    columns: 160,
    rows: 50,
    env: { KUBELAB_HOME: home },
  });
}, 600_000);

afterAll(async () => {
  await tui?.kill();
  await cli(['down', '--name', 'kubelab'], { timeoutMs: 120_000 });
  rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('the TUI in a terminal, on a docker-provider cluster', () => {
  it(
    'with no cluster, offers one and shows every machine being bootstrapped, then the overview',
    () =>
      // The TUI's `up` creates container-nodes from the node image and builds the lab images.
      withLock('node-image', 'shared', () =>
        withLock('lab-images', 'shared', async () => {
          await tui.waitFor('the offer', (s) =>
            s.includes('There is no kubelab cluster yet. Start one now?'),
          );
          await tui.keys('y');
          const progress = await tui.waitFor(
            'bootstrap progress per machine',
            (s) => /kubelab-worker2\s+\d+ step\(s\) done/.test(s) && /✓ container-node [\d.]+ s/.test(s),
            300_000,
          );
          expect(progress).toContain('provider: docker');
          expect(progress).toMatch(/kubelab-control-plane\s+\d+ step\(s\) done/);
          const overview = await tui.waitFor(
            'the overview with both workers Ready and the control plane checked',
            (s) => workers.every((w) => s.includes(`╭─ ${w} ● Ready`)) && /apiserver\s+ok/.test(s),
            900_000,
          );
          expect(overview).toContain('kubelab (docker)');
          expect(overview).toMatch(/scheduler\s+ok/);
          expect(overview).not.toContain('SIMULATED');
        }),
      ),
    1_000_000,
  );

  it('a applies a manifest file; its pods appear Ready in the worker cards', async () => {
    const file = join(home, 'web.json');
    writeFileSync(file, JSON.stringify(webDeployment(4)));
    await tui.keys('a');
    await tui.type(file);
    await tui.keys('Enter');
    await tui.waitFor('the confirmation', (s) => s.includes(`same as: kubelab apply -f ${file}`));
    await tui.keys('y');
    await tui.waitFor('applied', (s) => s.includes('✓ deployment.apps/web created'));
    const spread = await tui.waitFor(
      'four web pods Ready on the two workers',
      (s) => readyWebPods(s, workers[0]!) + readyWebPods(s, workers[1]!) === 4,
      120_000,
    );
    expect(readyWebPods(spread, workers[1]!)).toBeGreaterThan(0);
  }, 180_000);

  it('F on a worker powers it off: the card turns NotReady and its pods appear in the other card', async () => {
    await jump('nodes', 'overview › nodes');
    await filter(workers[1]!);
    await tui.keys('F');
    await tui.waitFor('the failure modes', (s) =>
      s.includes('poweroff: the machine and its containers are gone'),
    );
    await tui.keys('p');
    await tui.waitFor('the confirmation', (s) =>
      s.includes(`same as: kubelab node fail ${workers[1]} --mode poweroff`),
    );
    await tui.keys('y');
    await tui.waitFor('failed', (s) => s.includes(`✓ node ${workers[1]} failed (poweroff)`), 60_000);
    await jump('overview', '│ overview');
    // The countdowns run on the silent node's card before it turns NotReady.
    await tui.waitFor('the countdowns on the silent card', (s) =>
      /✗ silent \d+s · NotReady in \d+s/.test(cardText(s, `${workers[1]} ●`) ?? ''),
    );
    const moved = await tui.waitFor(
      'worker2 NotReady and all four pods Ready on worker',
      // Its Ready condition turns Unknown (the kubelet stopped posting), which kubectl shows as NotReady.
      (s) =>
        new RegExp(`╭─ ${workers[1]} ● (Unknown|NotReady)`).test(s) &&
        /NotReady/.test(cardText(s, `${workers[1]} ●`) ?? '') &&
        readyWebPods(s, workers[0]!) === 4,
      120_000,
    );
    expect(readyWebPods(moved, workers[1]!)).toBe(0);

    await jump('nodes', 'overview › nodes');
    await filter(workers[1]!);
    await tui.keys('R');
    await tui.waitFor('the confirmation', (s) => s.includes(`same as: kubelab node recover ${workers[1]}`));
    await tui.keys('y');
    await tui.waitFor('recovered', (s) => s.includes(`✓ node ${workers[1]} recovered`), 120_000);
    await jump('overview', '│ overview');
    await tui.waitFor('worker2 Ready again', (s) => s.includes(`╭─ ${workers[1]} ● Ready`), 120_000);
  }, 400_000);

  it('i on the Deployment starts a rolling update; the overview shows it roll out and complete', async () => {
    await jump('deploy', 'overview › deployments');
    await filter('web');
    await tui.keys('i');
    await tui.waitFor('the image prompt', (s) =>
      s.includes('new image, as CONTAINER=IMAGE: web=kubelab/web:1'),
    );
    await tui.keys('BSpace');
    await tui.type('2');
    await tui.keys('Enter');
    await tui.waitFor('the confirmation', (s) =>
      s.includes('same as: kubelab set image deployment/web web=kubelab/web:2 -n default'),
    );
    await tui.keys('y');
    await tui.waitFor('started', (s) => s.includes('✓ deployment.apps/web image updated'));
    await jump('overview', '│ overview');
    let sawRollingOut = false;
    const done = await tui.waitFor(
      'the rollout complete at revision 2',
      (s) => {
        sawRollingOut ||= /web\s+rev 2.*⟳ rolling out/.test(s);
        return /web\s+rev 2.*✓ complete kubelab\/web:2/.test(s);
      },
      180_000,
    );
    expect(sawRollingOut).toBe(true);
    expect(readyWebPods(done, workers[0]!) + readyWebPods(done, workers[1]!)).toBe(4);
  }, 240_000);

  it("kubelab dashboard, beside it, charts the nodes' real usage and shows the rollout done", async () => {
    const wall = await TmuxSession.start(
      `kubelab-dashboard-e2e-${process.pid}`,
      `${process.execPath} ${kubelabCli} dashboard`,
      { columns: 160, rows: 50, env: { KUBELAB_HOME: home } },
    );
    try {
      const screen = await wall.waitFor(
        'usage for both workers and the finished rollout',
        // The Nodes panel: each node's name, then its usage now ("212m 301Mi").
        (s) =>
          workers.every((w) => new RegExp(`■ ${w}\\s*│[^\\n]*\\n[^\\n]*\\d+m \\d+Mi`).test(s)) &&
          /web\s+2\s+4\/4\s+4\/4\s+4\/4/.test(s),
        60_000,
      );
      expect(screen).toContain('kubelab (docker)');
      expect(screen).toContain('CPU used, millicores');
      expect(screen).not.toContain('SIMULATED');
      await wall.keys('q');
      await wall.waitFor('the dashboard exit', (s) => s.includes('[exited 0]'));
    } finally {
      await wall.kill();
    }
  }, 120_000);

  it("l opens a pod's logs; :q quits and the program exits 0", async () => {
    await jump('pods', 'overview › pods');
    await filter('web-');
    await tui.keys('l');
    await tui.waitFor('the log lines', (s) => /listening on :8080 \(pod web-/.test(s), 60_000);
    await tui.keys(':');
    await tui.type('q');
    await tui.keys('Enter');
    await tui.waitFor('the exit', (s) => s.includes('[exited 0]'));
  }, 120_000);

  it('down leaves no containers, networks or volumes behind', async () => {
    const down = await cli(['down', '--name', 'kubelab'], { timeoutMs: 120_000 });
    expect(down.code, down.stderr).toBe(0);
    const docker = new Docker();
    const filters = { label: [`${clusterLabel}=kubelab`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    expect((await cli(['status', '--name', 'kubelab'])).code).not.toBe(0);
  }, 180_000);
});
