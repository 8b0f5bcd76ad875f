import { afterEach, describe, expect, it } from 'vitest';
import { resources } from '../../src/api/resources.js';
import { explanationAnnotation } from '../../src/api/scheduling-explanation.js';
import { logsScreen, textScreen } from '../../src/tui/navigation.js';
import { keys, renderApp } from '../helpers/tui-app.js';
import { deployment, event, fixtureSnapshot, lease, node, pod, replicaSet } from '../helpers/tui-fixtures.js';

const info = (kind: string) => resources.find((r) => r.kind === kind)!;
const web = deployment('web', { replicas: 2, revision: 2, image: 'kubelab/web:2' });
const oldRs = replicaSet(web, 'old11', { revision: 1, image: 'kubelab/web:1', replicas: 1 });
const newRs = replicaSet(web, 'new22', { revision: 2, image: 'kubelab/web:2', replicas: 2 });
const explanation = JSON.stringify({
  at: '2026-01-01T11:59:00Z',
  result: 'Scheduled',
  node: 'worker-b',
  message: 'Successfully assigned default/web-new22-aaaaa to worker-b',
  counts: { nodes: 2, evaluated: 2, feasible: 1, filtered: 1 },
  weights: { NodeResourcesFit: 1 },
  nodes: [
    { name: 'worker-b', scores: { NodeResourcesFit: 90 }, total: 90 },
    { name: 'worker-a', filtered: { plugin: 'NodeUnschedulable', reason: 'node(s) were unschedulable' } },
  ],
});
const scheduled = pod('web-new22-aaaaa', 'worker-b', {
  owner: newRs,
  image: 'kubelab/web:2',
  annotations: { [explanationAnnotation]: explanation },
});

function cluster(
  pods = [scheduled, pod('bare', 'worker-b'), pod('waiting', undefined, { phase: 'Pending' })],
) {
  return fixtureSnapshot({
    nodes: [node('worker-a', { unschedulable: true }), node('worker-b')],
    leases: [lease('worker-a'), lease('worker-b')],
    pods,
    deployments: [web],
    replicaSets: [oldRs, newRs],
    events: [
      event(
        'ScalingReplicaSet',
        { kind: 'Deployment', name: 'web', uid: web.metadata!.uid },
        'Scaled up replica set web-new22 to 2',
      ),
    ],
  });
}

const ref = (kind: string, name: string, namespace?: string) => ({ resource: info(kind), name, namespace });

let open: ReturnType<typeof renderApp> | undefined;
afterEach(() => open?.close());

describe('describe, yaml and the scheduler explanation', () => {
  it('describes a deployment like kubelab describe, with its ReplicaSets and events', async () => {
    open = renderApp(cluster(), { screen: textScreen('describe', ref('Deployment', 'web', 'default')) });
    await open.press();
    const f = open.frame();
    expect(f).toContain('describe deployment/web -n default');
    expect(f).toMatch(/Name:\s+web/);
    expect(f).toMatch(/OldReplicaSets:\s+web-old11 \(1\/1 replicas created\)/);
    expect(f).toMatch(/NewReplicaSet:\s+web-new22 \(2\/2 replicas created\)/);
    expect(f).toMatch(
      /Normal\s+ScalingReplicaSet\s+2s\s+kubelab-test\s+Scaled up replica set web-new22 to 2/,
    );
    expect(f).toMatch(/s scale\s+i set image\s+u undo rollout\s+p pause/);
  });

  it('scrolls a screenful at a time and searches with n / N', async () => {
    open = renderApp(cluster(), {
      screen: textScreen('yaml', ref('Pod', 'web-new22-aaaaa', 'default')),
      rows: 12,
    });
    await open.press();
    expect(open.frame()).toMatch(/lines 1-8 of \d+/);
    expect(open.frame()).toContain('apiVersion: v1');
    await open.press(' ');
    expect(open.frame()).toMatch(/lines 9-16 of \d+/);
    expect(open.frame()).not.toContain('apiVersion: v1');
    await open.press('g', '/', 'i', 'm', 'a', 'g', 'e', keys.enter);
    expect(open.frame()).toMatch(/\/image: 3 match\(es\)/);
    expect(open.frame()).toContain('image: kubelab/web:2');
    const first = open.frame();
    await open.press('n');
    expect(open.frame()).not.toBe(first);
    expect(open.frame()).toContain('image: kubelab/web:2');
  });

  it('x shows each node: chosen with its scores, or filtered out and why', async () => {
    open = renderApp(cluster(), { screen: textScreen('explain', ref('Pod', 'web-new22-aaaaa', 'default')) });
    await open.press();
    const f = open.frame();
    expect(f).toContain('Scheduled on worker-b at 2026-01-01T11:59:00Z');
    expect(f).toMatch(/worker-b\s+chosen\s+90\s+90/);
    expect(f).toMatch(/worker-a\s+filtered\s+-\s+-\s+NodeUnschedulable: node\(s\) were unschedulable/);
    await open.press('d');
    expect(open.frame()).toMatch(/Scheduling Explanation:/);
  });

  it('says why a pod has no explanation', async () => {
    open = renderApp(cluster(), { screen: textScreen('explain', ref('Pod', 'waiting', 'default')) });
    await open.press();
    expect(open.frame()).toContain('has not been through the scheduler yet');
  });

  it('keeps showing an object that was deleted, marked as such', async () => {
    const s = cluster();
    open = renderApp(s, { screen: textScreen('describe', ref('Pod', 'bare', 'default')) });
    await open.press();
    expect(open.frame()).toMatch(/Name:\s+bare/);
    open.source.set(cluster(s.pods.filter((p) => p.metadata?.name !== 'bare')));
    await open.press();
    expect(open.frame()).toContain('(deleted)');
    expect(open.frame()).toMatch(/Name:\s+bare/);
  });

  it('describes a node with its heartbeat Lease', async () => {
    open = renderApp(cluster(), { screen: textScreen('describe', ref('Node', 'worker-b')) });
    await open.press();
    expect(open.frame()).toMatch(/RenewTime:\s+Thu, 01 Jan 2026 12:00:00 \+0000/);
    expect(open.frame()).toMatch(/c cordon\s+r drain\s+F fail node\s+R recover node/);
  });
});

describe('logs', () => {
  const lines = Array.from(
    { length: 100 },
    (_, i) => `line ${i} ${i % 10 === 0 ? 'ERROR something broke' : 'ok'}`,
  );

  it('opens the pod log through the API, following the newest lines', async () => {
    open = renderApp(cluster(), {
      screen: logsScreen(ref('Pod', 'bare', 'default')),
      rows: 20,
      log: { lines, phase: 'streaming', dropped: 0 },
    });
    await open.press();
    expect(open.opened).toEqual([{ namespace: 'default', pod: 'bare', container: 'web' }]);
    expect(open.frame()).toContain('logs pod/bare -n default -c web following');
    expect(open.frame()).toContain('line 99 ok');
    expect(open.frame()).not.toContain('line 50 ok');
  });

  it('scrolling up stops following; f follows again; w wraps; / searches', async () => {
    const long = [...lines, `long ${'x'.repeat(150)} tail-end`];
    open = renderApp(cluster(), {
      screen: logsScreen(ref('Pod', 'bare', 'default')),
      rows: 20,
      log: { lines: long, phase: 'streaming', dropped: 0 },
    });
    await open.press('g');
    expect(open.frame()).toContain('paused (f: follow)');
    expect(open.frame()).toContain('line 0 ERROR');
    await open.press('/', 'E', 'R', 'R', 'O', 'R', keys.enter);
    expect(open.frame()).toContain('/ERROR: 10 match(es)');
    await open.press('n');
    expect(open.frame()).toContain('line 10 ERROR');
    await open.press('f');
    expect(open.frame()).toContain('following');
    expect(open.frame()).not.toContain('tail-end');
    await open.press('w');
    expect(open.frame()).toContain('tail-end');
    expect(open.frame()).toContain('wrapped');
  });

  it('shows why there is no log', async () => {
    open = renderApp(cluster(), {
      screen: logsScreen(ref('Pod', 'bare', 'default')),
      log: { lines: [], phase: 'failed', error: 'the node agent answered HTTP 404', dropped: 0 },
    });
    await open.press();
    expect(open.frame()).toContain('the node agent answered HTTP 404');
    expect(open.frame()).toContain('SIMULATED');
  });

  it('stops the stream when the screen closes', async () => {
    open = renderApp(cluster(), { screen: textScreen('describe', ref('Pod', 'bare', 'default')) });
    await open.press('l');
    expect(open.log.stopped).toBe(false);
    await open.press(keys.esc);
    expect(open.log.stopped).toBe(true);
  });
});
