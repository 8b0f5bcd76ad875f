// Failover time in the lab profile: a simulated cluster of real processes (control plane + 4
// agents, started with `kubelab up --provider sim --workers 4`), a Deployment of 8 replicas;
// for each failure mode, the time from `kubelab node fail` to all 8 replicas Ready on the
// other nodes, split into detection (node Ready=Unknown) and replacement. Target: <= 10 s
// (Kubernetes' defaults — 40-50 s grace plus 300 s toleration — take about 6 minutes).
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../src/api/resources.js';
import { webDeployment } from '../test/helpers/machine-cluster.js';
import { podsBySelector, startSimClusterCli } from '../test/helpers/sim-cluster-cli.js';
import { until } from '../test/helpers/until.js';
import { report } from './harness.js';

const replicas = 8;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const cluster = await startSimClusterCli(4, 'bench');
const client = cluster.client();
const applied = await cluster.apply(JSON.stringify(webDeployment(replicas)));
if (applied.code !== 0) throw new Error(applied.stderr);

async function readyOff(node?: string): Promise<Pod[]> {
  return until(
    `${replicas} ready pods`,
    async () => {
      const { ready } = await podsBySelector(client, 'app=web');
      const serving = ready.filter((p) => p.spec?.nodeName !== node);
      return serving.length === replicas ? serving : undefined;
    },
    120_000,
    50,
  );
}

const results: Record<string, unknown>[] = [];
for (const mode of ['poweroff', 'partition', 'agent'] as const) {
  for (let round = 0; round < rounds; round++) {
    const pods = await readyOff();
    const counts = new Map<string, number>();
    for (const p of pods) counts.set(p.spec!.nodeName!, (counts.get(p.spec!.nodeName!) ?? 0) + 1);
    const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const t0 = performance.now();
    const fail = await cluster.run('node', 'fail', victim, '--mode', mode);
    if (fail.code !== 0) throw new Error(fail.stderr);
    await until(
      'node Unknown',
      async () => {
        const n = await client.resource<Node>(resource.nodes).get(victim);
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'Unknown');
      },
      60_000,
      50,
    );
    const detectedMs = performance.now() - t0;
    await readyOff(victim);
    const totalMs = performance.now() - t0;
    results.push({
      mode,
      round,
      podsMoved: counts.get(victim),
      detectedMs: Math.round(detectedMs),
      allReadyElsewhereMs: Math.round(totalMs),
    });
    const recover = await cluster.run('node', 'recover', victim);
    if (recover.code !== 0) throw new Error(recover.stderr);
    await until(
      'recovered node clean',
      async () => (await podsBySelector(client, 'app=web')).pods.length === replicas,
      60_000,
    );
  }
}
await cluster.down();

const byMode = Object.fromEntries(
  ['poweroff', 'partition', 'agent'].map((mode) => {
    const times = results.filter((r) => r.mode === mode).map((r) => r.allReadyElsewhereMs as number);
    return [
      mode,
      { meanMs: Math.round(times.reduce((a, b) => a + b, 0) / times.length), maxMs: Math.max(...times) },
    ];
  }),
);
await report('failover', {
  description: `lab profile, 4 simulated workers (real processes), Deployment of ${replicas}; node fail -> all replicas Ready elsewhere`,
  targets: { failoverMs: 10_000 },
  byMode,
  rounds: results,
});
