// End to end on a simulated cluster made of real processes (control plane + 4 agents, lab
// profile), driven through the `kubelab` program: a Deployment spreads over the workers; for
// each failure mode, the failed node's pods are evicted and replaced elsewhere within the lab
// profile's failover budget; after recovery no pod runs twice and the stale ones are gone.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { podsBySelector, type SimClusterCli, startSimClusterCli } from '../helpers/sim-cluster-cli.js';
import { until } from '../helpers/until.js';

const replicas = 8;
let cluster: SimClusterCli;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: kubelab/web:1
`;

beforeAll(async () => {
  cluster = await startSimClusterCli(4);
}, 120_000);
afterAll(async () => {
  await cluster?.down();
});

async function allReady(excludeNode?: string) {
  return until(
    `${replicas} ready web pods${excludeNode ? ` off ${excludeNode}` : ''}`,
    async () => {
      const { ready } = await podsBySelector(cluster.client(), 'app=web');
      const serving = ready.filter((p) => p.spec?.nodeName !== excludeNode);
      return serving.length === replicas ? serving : undefined;
    },
    60_000,
  );
}

function busiestNode(pods: Pod[]): string {
  const counts = new Map<string, number>();
  for (const p of pods) counts.set(p.spec!.nodeName!, (counts.get(p.spec!.nodeName!) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

describe('simulated cluster through the kubelab CLI', () => {
  it('schedules a Deployment across the workers', async () => {
    const r = await cluster.apply(deployment);
    expect(r.stdout, r.stderr).toBe('deployment.apps/web created\n');
    const pods = await allReady();
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBeGreaterThanOrEqual(3);
    const table = await cluster.run('get', 'pods', '-o', 'wide');
    expect(table.stdout).toMatch(/web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/);
  }, 90_000);

  it('serves logs and answers exec and top through the API server from SIMULATED agents on 127.0.0.1', async () => {
    const [pod] = await allReady();
    const node = await cluster.client().resource<Node>(resource.nodes).get(pod!.spec!.nodeName!);
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    const logs = await cluster.run('logs', pod!.metadata!.name!);
    expect(logs.stdout, logs.stderr).toContain('SIMULATED container web (image kubelab/web:1) started');
    // The agent is reached (and says why there is nothing to run), not refused on the way.
    const exec = await cluster.run('exec', pod!.metadata!.name!, '--', 'true');
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain('is SIMULATED: its containers are not real processes');
    // SIMULATED agents sample no usage: metrics-server's <unknown>, not an error.
    const top = await cluster.run('top', 'nodes');
    expect(top.stdout, top.stderr).toMatch(new RegExp(`${node.metadata!.name}\\s+<unknown>`));
  }, 60_000);

  for (const mode of ['poweroff', 'partition', 'agent'] as const) {
    it(`moves pods off a node that fails with --mode ${mode}, and cleans up after recovery`, async () => {
      const before = await allReady();
      const victim = busiestNode(before);
      const onVictim = before.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata!.name!);
      const t0 = Date.now();
      const fail = await cluster.run('node', 'fail', victim, '--mode', mode);
      expect(fail.code, fail.stderr).toBe(0);

      // Ready=Unknown first (lease silent past the grace period), then the NoExecute taint.
      await until(
        `${victim} Unknown and tainted unreachable:NoExecute`,
        async () => {
          const n = await cluster.client().resource<Node>(resource.nodes).get(victim);
          const unknown = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'Unknown');
          const tainted = n.spec?.taints?.some(
            (t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
          );
          return unknown && tainted;
        },
        20_000,
      );

      await allReady(victim);
      const failoverMs = Date.now() - t0;
      // Lab profile: grace 4 s + toleration 2 s + reschedule and start; Kubernetes' defaults take ~6 min.
      expect(failoverMs).toBeLessThan(20_000);
      const { pods } = await podsBySelector(cluster.client(), 'app=web');
      for (const name of onVictim) {
        const stale = pods.find((p) => p.metadata?.name === name);
        if (stale) expect(stale.metadata?.deletionTimestamp).toBeTruthy();
      }

      const recover = await cluster.run('node', 'recover', victim);
      expect(recover.code, recover.stderr).toBe(0);
      await until(
        `stale pods of ${victim} removed and exactly ${replicas} pods left`,
        async () => {
          const { pods: now, ready } = await podsBySelector(cluster.client(), 'app=web');
          return (
            now.length === replicas &&
            ready.length === replicas &&
            !now.some((p) => onVictim.includes(p.metadata!.name!))
          );
        },
        30_000,
      );
      await until(
        `${victim} Ready again`,
        async () => {
          const n = await cluster.client().resource<Node>(resource.nodes).get(victim);
          return (
            n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
            !(n.spec?.taints ?? []).length
          );
        },
        20_000,
      );
    }, 120_000);
  }
});
