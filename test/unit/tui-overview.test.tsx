import type { Service } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { rfc3339 } from '../../src/api/time.js';
import { keys, renderApp } from '../helpers/tui-app.js';
import {
  deployment,
  event,
  fixtureNow,
  fixtureSnapshot,
  lease,
  node,
  pod,
  replicaSet,
} from '../helpers/tui-fixtures.js';

const web = deployment('web', {
  replicas: 3,
  revision: 2,
  image: 'kubelab/web:2',
  status: { observedGeneration: 1, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 },
});
const oldRs = replicaSet(web, 'old11', { revision: 1, image: 'kubelab/web:1', replicas: 2 });
const newRs = replicaSet(web, 'new22', { revision: 2, image: 'kubelab/web:2', replicas: 2, ready: 1 });

function cluster() {
  return fixtureSnapshot({
    nodes: [
      node('worker-a'),
      node('worker-b', { unschedulable: true }),
      node('worker-c', { ready: 'Unknown' }),
    ],
    leases: [lease('worker-a'), lease('worker-b'), lease('worker-c', 3_000)],
    pods: [
      pod('web-old11-aaaaa', 'worker-a', { owner: oldRs }),
      pod('web-new22-bbbbb', 'worker-a', { owner: newRs }),
      pod('web-new22-ccccc', 'worker-b', { owner: newRs, ready: false, phase: 'Pending' }),
      pod('web-old11-ddddd', 'worker-c', { owner: oldRs, terminating: true }),
    ],
    deployments: [web],
    replicaSets: [oldRs, newRs],
    events: [
      event(
        'Scheduled',
        { kind: 'Pod', name: 'web-new22-ccccc' },
        'Successfully assigned default/web-new22-ccccc to worker-b',
      ),
    ],
  });
}

let open: ReturnType<typeof renderApp> | undefined;
afterEach(() => open?.close());

describe('overview', () => {
  it('draws the control plane, node cards with their pods, rollouts and events', async () => {
    open = renderApp(cluster());
    await open.press();
    const f = open.frame();
    for (const c of ['apiserver', 'store (sqlite)', 'scheduler', 'controller-manager'])
      expect(f).toContain(c);
    expect(f).toContain('profile lab');
    expect(f).toMatch(/worker-a ● Ready SIMULATED/);
    expect(f).toMatch(/worker-b ● Ready cordoned SIMULATED/);
    expect(f).toMatch(/worker-c ● Unknown SIMULATED/);
    // Pods inside their node's card: running +, on the way ~, leaving -.
    expect(f).toMatch(/\+ web-old11-aaaaa/);
    expect(f).toMatch(/~ web-new22-ccccc/);
    expect(f).toMatch(/- web-old11-ddddd/);
    expect(f).toContain('pods 2/110, heartbeat 0s ago');
    // The rollout: revision, counts, and old / new ReplicaSets with their revisions.
    expect(f).toMatch(/default\/web\s+rev 2/);
    expect(f).toContain('2/3/3 of 3');
    expect(f).toContain('rolling out');
    expect(f).toContain('new web-new22 (rev 2) 1/2');
    expect(f).toContain('old web-old11 (rev 1) 2/2');
    expect(f).toMatch(/2s Scheduled pod\/web-new22-ccccc Successfully assigned/);
    expect(f).toContain('Traffic');
  });

  it('counts down to NotReady and eviction when a heartbeat stops', async () => {
    const s = cluster();
    open = renderApp({ ...s, leases: new Map([...s.leases, ['worker-a', lease('worker-a', 2_500)]]) });
    await open.press();
    // lab profile: NotReady 4 s after the last renewal, eviction 2 s after that.
    expect(open.frame()).toContain('✗ silent 2s · NotReady in 2s');
    expect(open.frame()).toContain('pods evicted in 4s');
    const tainted = node('worker-a', {
      ready: 'Unknown',
      taints: [
        {
          key: 'node.kubernetes.io/unreachable',
          effect: 'NoExecute',
          timeAdded: rfc3339(fixtureNow - 1_000),
        },
      ],
    });
    open.source.set({
      ...s,
      nodes: [tainted, ...s.nodes.slice(1)],
      leases: new Map([...s.leases, ['worker-a', lease('worker-a', 5_000)]]),
    });
    await open.press();
    expect(open.frame()).toContain('✗ silent 5s · NotReady');
    expect(open.frame()).toContain('pods evicted in 1s (tainted)');
  });

  it('shows cluster DNS: not deployed, then ok or failing by its kube-dns pods', async () => {
    open = renderApp(cluster());
    await open.press();
    expect(open.frame()).toMatch(/DNS\s+none/);
    const kubeDns: Service = {
      metadata: { name: 'kube-dns', namespace: 'kube-system' },
      spec: { selector: { 'k8s-app': 'kube-dns' } },
    };
    const dnsPod = (name: string, ready: boolean) =>
      pod(name, 'worker-a', { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ready });
    open.source.set({ ...cluster(), services: [kubeDns], pods: [dnsPod('coredns-a', false)] });
    await open.press();
    expect(open.frame()).toMatch(/DNS\s+down 0\/1/);
    open.source.set({
      ...cluster(),
      services: [kubeDns],
      pods: [dnsPod('coredns-a', true), dnsPod('coredns-b', false)],
    });
    await open.press();
    expect(open.frame()).toMatch(/DNS\s+ok 1\/2/);
  });

  it('follows the profile the cluster publishes', async () => {
    open = renderApp({ ...cluster(), profile: profiles.k8s });
    await open.press();
    expect(open.frame()).toContain('NotReady 50s · evict +300s');
  });

  it('moves between node cards and drills into a node', async () => {
    open = renderApp(cluster());
    await open.press(keys.right, keys.enter);
    expect(open.frame()).toContain('pods on worker-b');
    expect(open.frame()).toContain('web-new22-ccccc');
    expect(open.frame()).not.toContain('web-old11-aaaaa');
    await open.press(keys.esc);
    expect(open.frame()).toContain('Control plane');
  });

  it('fails a node from the keyboard: choose the mode, then confirm with the CLI command shown', async () => {
    open = renderApp(cluster(), {
      cluster: {
        name: 'fixture',
        provider: 'sim',
        createdAt: '',
        server: 'https://127.0.0.1:9',
        machines: [],
      },
    });
    await open.press('F');
    expect(open.frame()).toContain('Fail worker-a how?');
    expect(open.frame()).toContain('p poweroff');
    await open.press('n');
    expect(open.frame()).toContain('same as: kubelab node fail worker-a --mode partition');
    await open.press('n');
    expect(open.frame()).toContain('cancelled');
  });

  it('says why failure injection is not available on a bare kubeconfig', async () => {
    open = renderApp(cluster());
    await open.press('F', 'p');
    expect(open.frame()).toContain('node fail needs a kubelab cluster');
  });

  it('tab moves to the deployments: scale asks for the count, then confirms', async () => {
    open = renderApp(cluster());
    await open.press(keys.tab);
    expect(open.frame()).toMatch(/s scale\s+i set image\s+u undo rollout\s+p pause/);
    await open.press('s');
    expect(open.frame()).toContain('replicas for deployment web (now 3): 3');
    await open.press(keys.backspace, 'x', keys.enter);
    expect(open.frame()).toContain('replicas must be a whole number');
    await open.press(keys.backspace, '5', keys.enter);
    expect(open.frame()).toContain('same as: kubelab scale deployment/web --replicas=5 -n default');
    // Running it against a server that is not there shows the command and why it failed.
    await open.press('y');
    await new Promise((r) => setTimeout(r, 200));
    expect(open.frame()).toMatch(
      /✗ kubelab scale deployment\/web --replicas=5 -n default: cannot reach the API server/,
    );
  });

  it('narrows to a namespace', async () => {
    const s = cluster();
    open = renderApp(
      { ...s, pods: [...s.pods, pod('other-pod', 'worker-a', { namespace: 'team' })] },
      { namespace: 'team' },
    );
    await open.press();
    expect(open.frame()).toContain('ns team');
    expect(open.frame()).toContain('other-pod');
    expect(open.frame()).not.toContain('web-old11-aaaaa');
  });

  it('windows the node cards to the screen and scrolls to the selected one', async () => {
    const nodes = Array.from({ length: 30 }, (_, i) => node(`n${String(i).padStart(2, '0')}`));
    open = renderApp(fixtureSnapshot({ nodes, leases: nodes.map((n) => lease(n.metadata!.name!)) }), {
      columns: 100,
      rows: 30,
    });
    await open.press();
    expect(open.frame()).toContain('n00');
    expect(open.frame()).not.toContain('n29');
    expect(open.frame()).toMatch(/\d+ more node\(s\)/);
    expect(open.frame().split('\n').length).toBeLessThanOrEqual(30);
    for (let i = 0; i < 15; i++) await open.press(keys.down);
    expect(open.frame()).toContain('n29');
  });
});
