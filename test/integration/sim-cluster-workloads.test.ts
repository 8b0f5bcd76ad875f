// Workload controllers on a simulated cluster of real processes (control plane + 3 agents,
// lab profile), driven through the `kubelab` program: a StatefulSet never runs two pods with
// one identity through a node failure, and a DaemonSet follows nodes joining and leaving.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { type SimClusterCli, startSimClusterCli } from '../helpers/sim-cluster-cli.js';
import { until } from '../helpers/until.js';

let cluster: SimClusterCli;

beforeAll(async () => {
  cluster = await startSimClusterCli(3, 'wl');
}, 120_000);
afterAll(async () => {
  await cluster?.down();
});

const pods = async (selector: string) =>
  (await cluster.client().resource<Pod>(resource.pods, 'default').listAll({ labelSelector: selector })).items;
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('StatefulSet through a node failure', () => {
  it('keeps at most one pod per identity and replaces a lost pod only once it is force-deleted', async () => {
    const applied = await cluster.apply(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: kubelab/web:1}]
`);
    expect(applied.stdout, applied.stderr).toBe('statefulset.apps/db created\n');
    const running = await until(
      'db-0..2 ready',
      async () => {
        const p = await pods('app=db');
        return p.length === 3 && p.every(isReady) ? p : undefined;
      },
      60_000,
    );
    expect(running.map((p) => p.metadata?.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);

    const victim = running.find((p) => p.metadata?.name === 'db-1')!;
    const node = victim.spec!.nodeName!;
    expect((await cluster.run('node', 'fail', node, '--mode', 'poweroff')).code).toBe(0);
    // The pod on the lost node is evicted (Terminating) but its agent cannot confirm: it stays.
    await until(
      'db-1 terminating',
      async () => {
        const p = (await pods('app=db')).find((x) => x.metadata?.name === 'db-1');
        return p?.metadata?.deletionTimestamp ? p : undefined;
      },
      30_000,
    );
    // A later marker: the StatefulSet controller has seen db-1 Terminating (its status counts
    // only live pods). Had it wanted a second db-1, it would have made it by now.
    await until(
      'the StatefulSet controller to count db-1 out',
      async () =>
        (await cluster.client().resource<StatefulSet>(resource.statefulSets, 'default').get('db')).status
          ?.replicas === 2,
      30_000,
    );
    const stuck = (await pods('app=db')).filter((p) => p.metadata?.name === 'db-1');
    expect(stuck).toHaveLength(1);
    expect(stuck[0]!.metadata?.uid).toBe(victim.metadata?.uid);

    const forced = await cluster.run('delete', 'pod', 'db-1', '--force', '--grace-period=0');
    expect(forced.code, forced.stderr).toBe(0);
    const replaced = await until(
      'a new db-1 ready on another node',
      async () => {
        const p = (await pods('app=db')).find((x) => x.metadata?.name === 'db-1');
        return p && p.metadata?.uid !== victim.metadata?.uid && isReady(p) ? p : undefined;
      },
      30_000,
    );
    expect(replaced.spec?.nodeName).not.toBe(node);
    expect((await cluster.run('node', 'recover', node)).code).toBe(0);
  }, 120_000);
});

describe('DaemonSet', () => {
  it('runs one pod per node, on nodes that join, and not on nodes that leave', async () => {
    const applied = await cluster.apply(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: kubelab/web:1}]
`);
    expect(applied.code, applied.stderr).toBe(0);
    const perNode = async (count: number) =>
      until(
        `${count} ready daemon pods on distinct nodes`,
        async () => {
          const p = (await pods('app=agent')).filter((x) => !x.metadata?.deletionTimestamp);
          const nodes = new Set(p.map((x) => x.spec?.nodeName));
          return p.length === count && nodes.size === count && p.every(isReady) ? p : undefined;
        },
        60_000,
      );
    await perNode(3);

    const grown = await cluster.run('up', '--name', cluster.name, '--workers', '4');
    expect(grown.code, grown.stderr).toBe(0);
    const four = await perNode(4);
    expect(four.map((p) => p.spec?.nodeName)).toContain('wl-worker4');

    expect((await cluster.run('node', 'fail', 'wl-worker4', '--mode', 'agent')).code).toBe(0);
    expect((await cluster.run('delete', 'node', 'wl-worker4')).code).toBe(0);
    const three = await perNode(3);
    expect(three.map((p) => p.spec?.nodeName)).not.toContain('wl-worker4');
  }, 120_000);
});

describe('Deployment rolling update on simulated nodes', () => {
  it('keeps availability and surge within bounds at every observed state, and undoes', async () => {
    const manifest = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: roll}
spec:
  replicas: 4
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
  selector: {matchLabels: {app: roll}}
  template:
    metadata: {labels: {app: roll}}
    spec:
      containers: [{name: web, image: ${image}}]
`;
    expect((await cluster.apply(manifest('kubelab/web:1'))).code).toBe(0);
    expect((await cluster.run('rollout', 'status', 'deploy/roll', '--timeout', '60s')).code).toBe(0);

    const violations: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const all = (await pods('app=roll')).filter((p) => !p.metadata?.deletionTimestamp);
        const available = all.filter(isReady).length;
        if (available < 4 - 1) violations.push(`available ${available} < 3`);
        if (all.length > 4 + 1) violations.push(`total ${all.length} > 5`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const set = await cluster.run('set', 'image', 'deploy/roll', 'web=kubelab/web:2');
    expect(set.stdout).toBe('deployment.apps/roll image updated\n');
    const status = await cluster.run('rollout', 'status', 'deploy/roll', '--timeout', '60s');
    sampling = false;
    await sampler;
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('deployment "roll" successfully rolled out');
    expect(violations).toEqual([]);
    const images = (await pods('app=roll'))
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => p.spec?.containers[0]?.image);
    expect(new Set(images)).toEqual(new Set(['kubelab/web:2']));

    expect((await cluster.run('rollout', 'undo', 'deploy/roll')).stdout).toBe(
      'deployment.apps/roll rolled back\n',
    );
    expect((await cluster.run('rollout', 'status', 'deploy/roll', '--timeout', '60s')).code).toBe(0);
    const history = await cluster.run('rollout', 'history', 'deploy/roll');
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
  }, 120_000);
});
