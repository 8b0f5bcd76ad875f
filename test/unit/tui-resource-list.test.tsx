import { afterEach, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { listScreen } from '../../src/tui/navigation.js';
import { keys, renderApp } from '../helpers/tui-app.js';
import { deployment, event, fixtureSnapshot, lease, node, pod, replicaSet } from '../helpers/tui-fixtures.js';

const web = deployment('web');
const rs = replicaSet(web, 'abc12', { revision: 1, image: 'kubelab/web:1', replicas: 3 });

function cluster(podCount = 3) {
  const pods = Array.from({ length: podCount }, (_, i) =>
    pod(`web-abc12-${String(i).padStart(3, '0')}`, i % 2 ? 'worker-b' : 'worker-a', { owner: rs }),
  );
  return fixtureSnapshot({
    nodes: [node('worker-a'), node('worker-b')],
    leases: [lease('worker-a'), lease('worker-b')],
    pods: [...pods, pod('lonely', 'worker-a', { namespace: 'team', labels: { app: 'lonely' } })],
    deployments: [web],
    replicaSets: [rs],
    events: [
      event(
        'Scheduled',
        { kind: 'Pod', name: 'lonely', namespace: 'team', uid: 'uid-pod-lonely' },
        'assigned team/lonely',
      ),
    ],
  });
}

let open: ReturnType<typeof renderApp> | undefined;
afterEach(() => open?.close());

describe('resource lists', () => {
  it(':pods jumps to the pod list with kubectl columns, all namespaces', async () => {
    open = renderApp(cluster());
    await open.press(':', 'p', 'o');
    expect(open.frame()).toContain('tab: pods');
    await open.press(keys.enter);
    const f = open.frame();
    expect(f).toContain('overview › pods');
    expect(f).toMatch(/NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(f).toMatch(/default\s+web-abc12-000\s+1\/1\s+Running\s+0\s+60s/);
    expect(f).toMatch(/team\s+lonely/);
  });

  it('knows kubectl short names and says what it does not know', async () => {
    open = renderApp(cluster());
    await open.press(':', 'd', 'e', 'p', 'l', 'o', 'y', keys.enter);
    expect(open.frame()).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    await open.press(':', 'n', 'o', 'p', 'e', keys.enter);
    expect(open.frame()).toContain('unknown resource "nope"');
    await open.press(keys.esc, ':', 'n', 'o', keys.enter);
    expect(open.frame()).toMatch(/NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(open.frame()).toContain('worker-b');
  });

  it('a namespace argument narrows the list, and the NAMESPACE column goes', async () => {
    open = renderApp(cluster());
    await open.press(':', 'p', 'o', ' ', 't', 'e', 'a', 'm', keys.enter);
    expect(open.frame()).toContain('ns team');
    expect(open.frame()).toContain('lonely');
    expect(open.frame()).not.toContain('web-abc12-000');
    expect(open.frame()).not.toContain('NAMESPACE');
  });

  it('/ filters as you type; esc clears the filter, then goes back', async () => {
    open = renderApp(cluster(), { screen: listScreen(resource.pods) });
    await open.press('/', 'l', 'o', 'n');
    expect(open.frame()).toContain('lonely');
    expect(open.frame()).not.toContain('web-abc12-000');
    await open.press(keys.enter);
    expect(open.frame()).toContain('(1 matching /lon)');
    expect(open.frame()).toContain('esc clear filter');
    // esc is the filter's now: the footer offers it once, not also as "back".
    expect(open.frame()).not.toContain('esc back');
    await open.press(keys.esc);
    expect(open.frame()).toContain('web-abc12-000');
  });

  it('windows long lists to the terminal and keeps the selection in view', async () => {
    open = renderApp(cluster(200), { screen: listScreen(resource.pods), rows: 24 });
    await open.press();
    expect(open.frame().split('\n').length).toBeLessThanOrEqual(24);
    expect(open.frame()).toMatch(/\(201, 1-\d+ shown\)/);
    await open.press(keys.pageDown, keys.pageDown, keys.down);
    const selected = open
      .frame()
      .split('\n')
      .find((l) => l.includes('web-abc12-0'));
    expect(selected).toBeDefined();
    await open.press('G');
    expect(open.frame()).toContain('web-abc12-199');
  });

  it('Enter on a node lists its pods; on a deployment, the pods it selects', async () => {
    open = renderApp(cluster(), { screen: listScreen(resource.nodes) });
    await open.press(keys.down, keys.enter);
    expect(open.frame()).toContain('pods on worker-b');
    expect(open.frame()).toContain('web-abc12-001');
    expect(open.frame()).not.toContain('web-abc12-000');
    await open.press(':', 'd', 'e', 'p', 'l', 'o', 'y', keys.enter, keys.enter);
    expect(open.frame()).toContain('pods of deployment/web');
    expect(open.frame()).toContain('web-abc12-000');
    expect(open.frame()).not.toContain('lonely');
  });

  it('the selected row keeps its keys: describe, yaml, logs, explanation, delete', async () => {
    open = renderApp(cluster(), { screen: listScreen(resource.pods) });
    await open.press();
    expect(open.frame()).toMatch(/d describe\s+y yaml\s+l logs\s+x why here\s+ctrl\+d delete/);
    await open.press(keys.ctrlD);
    expect(open.frame()).toContain('same as: kubelab delete pod web-abc12-000 -n default');
    await open.press(keys.esc, keys.down, 'y');
    expect(open.frame()).toContain('yaml pod/web-abc12-001 -n default');
    expect(open.frame()).toMatch(/^kind: Pod$/m);
  });

  it(':ns lists namespaces seen and Enter makes one current', async () => {
    const s = cluster();
    const ns = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: `uid-ns-${name}` },
      status: { phase: 'Active' },
    });
    open = renderApp({ ...s, objects: new Map([...s.objects, ['namespaces', [ns('default'), ns('team')]]]) });
    await open.press(':', 'n', 's', keys.enter);
    expect(open.frame()).toMatch(/team\s+Active/);
    await open.press(keys.down, keys.enter);
    expect(open.frame()).toContain('ns team');
    expect(open.frame()).toContain('lonely');
  });

  it('events list newest first; Enter describes the object an event is about', async () => {
    open = renderApp(cluster());
    await open.press(':', 'e', 'v', 'e', 'n', 't', 's', keys.enter);
    expect(open.frame()).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    await open.press(keys.enter);
    expect(open.frame()).toContain('describe pod/lonely -n team');
    expect(open.frame()).toMatch(/Name:\s+lonely/);
  });
});
