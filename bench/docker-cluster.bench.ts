// Time to a Ready cluster with the docker provider (1 control plane + 2 workers, node image
// and lab images cached): `kubelab up` from nothing to every Node Ready, with each step's
// time (the slowest machine's), over a few rounds; a second `up` on the running cluster; then
// failover per mode on that cluster (lab profile, Deployment of 4): the time from `node fail`
// to every replica Ready on the other worker. Targets: Ready <= 15 s (kind's and k3d's
// published single-node create times are 12-14 s); failover <= 10 s.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../src/client/rest-client.js';
import { ProgressReporter } from '../src/provision/bootstrap/progress-reporter.js';
import {
  clusterProvider,
  downCluster,
  failNode,
  recoverNode,
  upCluster,
} from '../src/provision/cluster-lifecycle.js';
import { readClusterRecord } from '../src/provision/cluster-records.js';
import { podReady, webDeployment, webPods } from '../test/helpers/machine-cluster.js';
import { until } from '../test/helpers/until.js';
import { report } from './harness.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const cacheHome = process.env.KUBELAB_HOME || join(homedir(), '.kubelab');
const home = mkdtempSync(join(tmpdir(), 'kubelab-bench-cluster-'));
symlinkSync(join(cacheHome, 'images'), join(home, 'images'));
process.env.KUBELAB_HOME = home;
const name = 'benchup';
const quiet = Object.assign(new (await import('node:stream')).Writable({ write: (_c, _e, done) => done() }), {
  isTTY: false,
});

async function up() {
  const t0 = performance.now();
  const progress = new ProgressReporter(quiet);
  const record = await upCluster(
    {
      name,
      provider: clusterProvider('docker'),
      existing: await readClusterRecord(name),
      workers: 2,
      profile: 'lab',
    },
    progress,
  );
  const totalMs = performance.now() - t0;
  const steps: Record<string, number> = {};
  for (const t of progress.timings) steps[t.step] = Math.max(steps[t.step] ?? 0, Math.round(t.ms));
  return { totalMs: Math.round(totalMs), slowestMachinePerStepMs: steps, record };
}

const creates: Awaited<ReturnType<typeof up>>[] = [];
try {
  // Warm: builds or imports the node image and lab images if this machine lacks them.
  await up();
  // As `kubelab down`: the machines, then the record (with the host keys it pinned).
  const down = async () => downCluster((await readClusterRecord(name))!);
  await down();
  for (let i = 0; i < rounds; i++) {
    creates.push(await up());
    if (i < rounds - 1) await down();
  }
  const again = await up();
  const record = (await readClusterRecord(name))!;
  const client = ApiClient.fromKubeconfig(join(home, 'clusters', name, 'kubeconfig'));
  await client.request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: webDeployment(4) });
  const readyPods = async (off?: string) => {
    const all = await webPods(client);
    const ready = all.filter((p) => podReady(p) && p.spec?.nodeName !== off);
    return ready.length === 4 && (off !== undefined || all.length === 4) ? ready : undefined;
  };
  const failovers: { mode: string; round: number; ms: number }[] = [];
  for (const mode of ['poweroff', 'partition', 'agent'] as const) {
    for (let round = 0; round < 2; round++) {
      const pods = await until('4 pods Ready', () => readyPods(), 120_000, 100);
      const victim = pods[0]!.spec!.nodeName!;
      const t0 = performance.now();
      await failNode(record, victim, mode);
      await until('replicas Ready elsewhere', () => readyPods(victim), 120_000, 50);
      failovers.push({ mode, round, ms: Math.round(performance.now() - t0) });
      await recoverNode(record, victim);
      await until('recovered, 4 pods', () => readyPods(), 120_000, 100);
    }
  }
  client.close();
  const totals = creates.map((c) => c.totalMs).sort((a, b) => a - b);
  await report('docker-cluster', {
    description:
      'docker provider, 1 control plane + 2 workers, node image and lab images cached; kubelab up from nothing to all Nodes Ready (in-process, progress to /dev/null); failover in the lab profile with a Deployment of 4',
    targets: { readyMs: 15_000, failoverMs: 10_000 },
    up: {
      rounds: creates.map(({ totalMs, slowestMachinePerStepMs }) => ({ totalMs, slowestMachinePerStepMs })),
      medianMs: totals[Math.floor(totals.length / 2)],
    },
    secondUpMs: again.totalMs,
    failover: Object.fromEntries(
      ['poweroff', 'partition', 'agent'].map((mode) => {
        const ms = failovers.filter((f) => f.mode === mode).map((f) => f.ms);
        return [
          mode,
          { meanMs: Math.round(ms.reduce((a, b) => a + b, 0) / ms.length), maxMs: Math.max(...ms) },
        ];
      }),
    ),
  });
} finally {
  const record = await readClusterRecord(name);
  if (record) await downCluster(record);
  rmSync(home, { recursive: true, force: true });
}
