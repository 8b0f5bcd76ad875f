// The TUI with no cluster: the offer to start one, `kubelab up`'s progress per machine drawn
// inside the UI (steps done with durations, the step running with its detail), then the app on
// the cluster it made; saying no, a failed start and ctrl+c while starting each close it with
// the reason. The starter here reports steps by hand; test/e2e/tui-docker-cluster.test.ts
// drives the real `kubelab up` on a docker cluster.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressSink } from '../../src/provision/bootstrap/progress-reporter.js';
import { type ClusterNotStarted, TuiRoot } from '../../src/tui/tui-root.js';
import { fixtureServices, keys, keyTyper } from '../helpers/tui-app.js';
import { fixtureSnapshot, lease, node } from '../helpers/tui-fixtures.js';
import { until } from '../helpers/until.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function renderRoot(starter: (progress: ProgressSink) => Promise<void>) {
  const fixture = fixtureServices(
    fixtureSnapshot({ nodes: [node('worker-a')], leases: [lease('worker-a')] }),
  );
  let t = 1_000_000;
  const exits: ClusterNotStarted[] = [];
  const ui = render(
    <TuiRoot
      starter={async (progress) => {
        await starter(progress);
        return fixture.services;
      }}
      size={{ columns: 100, rows: 30 }}
      now={() => t}
      onNotStarted={(reason) => exits.push(reason)}
    />,
  );
  cleanups.push(() => {
    ui.unmount();
    fixture.client.close();
  });
  return {
    ...ui,
    press: keyTyper(ui.stdin),
    frame: () => ui.lastFrame() ?? '',
    advance: (ms: number) => {
      t += ms;
    },
    exits,
  };
}

/** A promise and its resolve/reject, to hold the starter where a test wants it. */
function gate() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('the TUI with no cluster', () => {
  it('offers kubelab up, shows each machine step by step, then opens the app on the new cluster', async () => {
    const finish = gate();
    let sink: ProgressSink | undefined;
    const ui = renderRoot(async (progress) => {
      sink = progress;
      await finish.promise;
    });
    expect(ui.frame()).toContain('There is no kubelab cluster yet. Start one now?');
    expect(ui.frame()).toContain('same as: kubelab up');
    expect(ui.frame()).toContain('y start it');

    await ui.press('y');
    await until('starter called', () => sink);
    sink!.say('provider: docker (Docker Engine 20.10.24 answers)');
    sink!.step('demo-control-plane', 'machine', 'started');
    sink!.step('demo-worker', 'machine', 'started');
    ui.advance(1_200);
    sink!.step('demo-control-plane', 'machine', 'done');
    sink!.step('demo-control-plane', 'Node runtime', 'started');
    ui.advance(2_000);
    sink!.step('demo-control-plane', 'Node runtime', 'detail', '48 MB of 120 MB');
    sink!.step('demo-worker', 'machine', 'failed', 'no space left on device');
    await until('progress drawn', () => ui.frame().includes('48 MB of 120 MB') && ui.frame());
    const frame = ui.frame();
    expect(frame).toContain('starting a cluster');
    expect(frame).toContain('provider: docker (Docker Engine 20.10.24 answers)');
    expect(frame).toMatch(/◌ demo-control-plane\s+1 step\(s\) done\s+Node runtime 2\.0 s\s+48 MB of 120 MB/);
    expect(frame).toContain('✓ machine 1.2 s');
    expect(frame).toMatch(/✗ demo-worker\s+0 step\(s\) done\s+machine failed: no space left on device/);
    expect(frame).toContain('ctrl+c stops waiting');

    finish.open();
    await until('the app on the new cluster', () => ui.frame().includes('fixture (sim, SIMULATED nodes)'));
    expect(ui.frame()).toContain('worker-a');
    expect(ui.exits).toEqual([]);
  });

  it('n closes it with the next step, and nothing is started', async () => {
    let started = false;
    const ui = renderRoot(async () => {
      started = true;
    });
    await ui.press('n');
    await until('exit', () => ui.exits.length > 0);
    expect(ui.exits[0]!.reason).toBe('declined');
    expect(ui.exits[0]!.message).toContain('kubelab up');
    expect(started).toBe(false);
  });

  it('a failed start shows the error and what to do; q closes with it', async () => {
    const ui = renderRoot(async (progress) => {
      progress.step('demo-worker', 'connect over SSH', 'started');
      progress.step('demo-worker', 'connect over SSH', 'failed', 'timed out');
      throw new Error('demo-worker (172.30.0.3): connect over SSH: timed out after 60 s');
    });
    await ui.press(keys.enter);
    await until('failure shown', () => ui.frame().includes('starting the cluster failed'));
    expect(ui.frame()).toContain('demo-worker (172.30.0.3): connect over SSH: timed out after 60 s');
    expect(ui.frame()).toContain('`kubelab down` removes it');
    await ui.press('q');
    await until('exit', () => ui.exits.length > 0);
    expect(ui.exits[0]!.reason).toBe('failed');
    expect(ui.exits[0]!.message).toContain('timed out after 60 s');
  });

  it('ctrl+c while starting stops waiting and says what was kept', async () => {
    const never = gate();
    const ui = renderRoot(() => never.promise);
    await ui.press('y');
    await until('starting', () => ui.frame().includes('starting a cluster'));
    await ui.press('\u0003');
    await until('exit', () => ui.exits.length > 0);
    expect(ui.exits[0]!.reason).toBe('interrupted');
    expect(ui.exits[0]!.message).toContain('`kubelab up` resumes it');
  });
});
