import { afterEach, describe, expect, it } from 'vitest';
import { keys, renderApp } from '../helpers/tui-app.js';
import { fixtureNow, fixtureSnapshot, lease, node, pod } from '../helpers/tui-fixtures.js';
import { until } from '../helpers/until.js';

function cluster(pods = [pod('p1', 'worker-a'), pod('p2', 'worker-b')]) {
  return fixtureSnapshot({
    nodes: [node('worker-a'), node('worker-b')],
    leases: [lease('worker-a'), lease('worker-b')],
    pods,
  });
}

let open: ReturnType<typeof renderApp> | undefined;
afterEach(() => open?.close());

describe('the app frame', () => {
  it('? lists every key of the screen and the global ones; esc closes it', async () => {
    open = renderApp(cluster());
    await open.press('?');
    const f = open.frame();
    expect(f).toContain('Keys on this screen');
    for (const k of ['←', '→', '↑', '↓', 'enter', 'd', 'y', 'c', 'r', 'F', 'R'])
      expect(f).toMatch(new RegExp(`^${k}\\s`, 'm'));
    expect(f).toMatch(/^:\s+jump to/m);
    expect(f).toMatch(/^ctrl\+c\s+quit/m);
    expect(f).toContain('+ running and ready');
    await open.press(keys.esc);
    expect(open.frame()).toContain('Control plane');
  });

  it('the footer shows the keys that work on the current screen only', async () => {
    open = renderApp(cluster());
    await open.press();
    expect(open.frame()).toMatch(/enter pods on node\s+d describe/);
    expect(open.frame()).not.toContain('esc back');
    await open.press(':', 'n', 'o', keys.enter);
    expect(open.frame()).toContain('esc back');
    expect(open.frame()).toContain('/ filter');
  });

  it('shows the connection: connecting, disconnected with the reason, reconnecting, connected', async () => {
    const s = cluster();
    open = renderApp({ ...s, connection: { phase: 'connecting', since: fixtureNow } });
    await open.press();
    expect(open.frame()).toContain('● connecting 0s');
    open.source.set({
      ...s,
      connection: { phase: 'disconnected', since: fixtureNow - 12_000, error: 'cannot reach the API server' },
    });
    await open.press();
    expect(open.frame()).toContain('● disconnected 12s cannot reach the API server');
    open.source.set({ ...s, connection: { phase: 'reconnecting', since: fixtureNow - 1_000 } });
    await open.press();
    expect(open.frame()).toContain('● reconnecting 1s');
    open.source.set(s);
    await open.press();
    expect(open.frame()).toContain('● connected │');
  });

  it('follows a resize: the layout and the list windows are recomputed', async () => {
    const pods = Array.from({ length: 60 }, (_, i) => pod(`pod-${String(i).padStart(2, '0')}`, 'worker-a'));
    open = renderApp(cluster(pods), { rows: 40, columns: 100 });
    await open.press(':', 'p', 'o', keys.enter);
    expect(open.frame().split('\n')).toHaveLength(40);
    expect(open.frame()).toContain('pod-34');
    open.rerender(
      // The same app at 60 x 20: renderApp keeps its services; only the size changes.
      open.element({ columns: 60, rows: 20 }),
    );
    await open.press();
    const lines = open.frame().split('\n');
    expect(lines).toHaveLength(20);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(open.frame()).not.toContain('pod-34');
  });

  it('an unknown command says so and keeps the prompt; esc leaves it', async () => {
    open = renderApp(cluster());
    await open.press(':', 'x', 'y', 'z', keys.enter);
    expect(open.frame()).toContain('unknown resource "xyz"');
    expect(open.frame()).toContain(':xyz');
    await open.press(keys.esc);
    expect(open.frame()).not.toContain(':xyz');
  });

  it('keys typed faster than a frame are taken one by one, and moves add up', async () => {
    open = renderApp(cluster());
    // One chunk, as tmux send-keys or a paste delivers it.
    await open.press(':nodes\r');
    expect(open.frame()).toContain('overview › nodes');
    open.close();
    const names = ['worker-a', 'worker-b', 'worker-c', 'worker-d'];
    open = renderApp(
      fixtureSnapshot({ nodes: names.map((n) => node(n)), leases: names.map((n) => lease(n)) }),
    );
    await open.press(':nodes\r', keys.down + keys.down + keys.down + keys.up, 'd');
    await until('the describe screen', () => open!.frame().includes('describe node/worker-c'), 3_000);
  });

  it('keys sent together with a screen change wait for the new screen (a paste, tmux send-keys)', async () => {
    const names = ['worker-a', 'worker-b', 'worker-c', 'worker-d'];
    open = renderApp(
      fixtureSnapshot({ nodes: names.map((n) => node(n)), leases: names.map((n) => lease(n)) }),
    );
    // One chunk: jump to the node list, filter it, describe the one row left. Without waiting,
    // `/` would reach the overview (no filter there) and the rest would go astray.
    await open.press(':nodes\r/worker-c\rd');
    await until('the describe screen', () => open!.frame().includes('describe node/worker-c'), 3_000);
    expect(open.frame()).toContain('overview › nodes /worker-c › desc');
  });
});
