// Usage on a real Docker Engine: the agent samples its machine (/proc) and each container's
// cgroup, serves /stats/summary, and the API server answers metrics.k8s.io from it, so
// `kubelab top` and real `kubectl top` show what kubelab/load burns when asked to.
import { existsSync } from 'node:fs';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/api/quantity.js';
import { resource } from '../../src/api/resources.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { type DockerTestNode, startDockerTestNode } from '../helpers/docker-test-node.js';
import { holdLockForFile } from '../helpers/e2e-fixtures.js';
import { raw } from '../helpers/raw-request.js';
import { kubelab, runCommand } from '../helpers/run-command.js';
import type { TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const nodeName = 'usage-docker-e2e';
const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

let t: DockerTestNode;
let server: TestServer;
let client: ApiClient;

interface PodMetrics {
  metadata: { name: string; namespace: string };
  window: string;
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}

// kubelab/load must get most of a core: not while emulated VMs keep both busy, nor while a
// cluster of container-nodes is being made (a bootstrap takes both cores for a minute).
holdLockForFile('qemu', 'shared');
holdLockForFile('host-docker', 'shared');
holdLockForFile('machines', 'shared');

beforeAll(async () => {
  t = await startDockerTestNode(nodeName, { kubelet: true, statsIntervalMs: 1_000 });
  server = t.server;
  client = t.client;
  await client.resource<Pod>(resource.pods, 'default').create({
    metadata: { name: 'load', namespace: 'default', labels: { app: 'load' } },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'load', image: 'kubelab/load:latest' }],
    },
  });
  // A SIMULATED node beside it: no processes, so no usage.
  await client.resource<Node>(resource.nodes).create({
    metadata: { name: 'sim-usage', labels: { 'node.kubelab.dev/simulated': 'true' } },
  });
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

describe('usage (metrics.k8s.io) from a Docker node', () => {
  it('advertises metrics.k8s.io in discovery, as metrics-server does', async () => {
    const groups = await raw(server, 'GET', '/apis');
    expect(groups.json.groups.map((g: { name: string }) => g.name)).toContain('metrics.k8s.io');
    const list = await raw(server, 'GET', '/apis/metrics.k8s.io/v1beta1');
    expect(list.json.resources.map((r: { kind: string }) => r.kind)).toEqual(['NodeMetrics', 'PodMetrics']);
  });

  it('shows a container burning cpu in PodMetrics, kubelab top pods and kubectl top pod', async () => {
    const busyMilliCpu = 250;
    const pod = await until('the load pod running with an IP', async () => {
      const p = await client.resource<Pod>(resource.pods, 'default').get('load');
      return p.status?.podIP && p.status.containerStatuses?.[0]?.state?.running ? p : undefined;
    });
    // Ask kubelab/load to keep a CPU busy for 20 s (from inside the pod: localhost), long enough
    // to cover the reads below even when slow CLI starts delay them.
    const burn = kubelab(
      [
        '--kubeconfig',
        server.kubeconfigPath,
        'exec',
        'load',
        '--',
        'wget',
        '-qO-',
        'http://127.0.0.1:8080/burn?ms=20000',
      ],
      { timeoutMs: 45_000 },
    );
    const busy = await until(
      'PodMetrics with the burn',
      async () => {
        const r = await raw(server, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/load');
        if (r.status !== 200) return undefined;
        const m = r.json as PodMetrics;
        // A busy loop gets a whole core on an idle machine, but e2e files run side by side on
        // two cores: a quarter of a core is far above an idle pod's few millicores.
        return parseQuantity(m.containers[0]!.usage.cpu).milliValue() >= busyMilliCpu && m;
      },
      20_000,
      250,
    );
    expect(busy.window).toBe('1s');
    expect(busy.containers.map((c) => c.name)).toEqual(['load']);
    expect(parseQuantity(busy.containers[0]!.usage.memory).value()).toBeGreaterThan(0);

    const top = await kubelab(['--kubeconfig', server.kubeconfigPath, 'top', 'pods', '-l', 'app=load']);
    expect(top.code).toBe(0);
    const [header, row] = top.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
    const cpu = /^load\s+(\d+)m\s+\d+Mi$/.exec(row ?? '');
    expect(cpu, top.stdout).not.toBeNull();
    expect(Number(cpu?.[1])).toBeGreaterThanOrEqual(busyMilliCpu);

    if (!kubectlPath) throw new Error('kubectl is required for this test (/usr/bin/kubectl)');
    const kubectlTop = await runCommand(kubectlPath, [
      '--kubeconfig',
      server.kubeconfigPath,
      'top',
      'pod',
      'load',
      '--containers',
    ]);
    expect(kubectlTop.stderr).toBe('');
    expect(kubectlTop.stdout).toMatch(/^load\s+load\s+\d+m\s+\d+Mi\s*$/m);
    expect(pod.spec?.nodeName).toBe(nodeName);
    expect((await burn).stdout).toContain('burned');
  });

  it('shows the node in kubelab top nodes and kubectl top node; the SIMULATED one as <unknown>', async () => {
    const top = await until('node usage', async () => {
      const r = await kubelab(['--kubeconfig', server.kubeconfigPath, 'top', 'nodes']);
      return (
        r.code === 0 &&
        new RegExp(`^${nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%$`, 'm').test(r.stdout) &&
        r
      );
    });
    expect(top.stdout).toMatch(/^sim-usage\s+<unknown>\s+<unknown>\s+<unknown>\s+<unknown>$/m);
    expect(top.stdout).toContain('sim-usage: SIMULATED (no real processes, so no usage)');
    if (!kubectlPath) throw new Error('kubectl is required for this test (/usr/bin/kubectl)');
    const kubectlTop = await runCommand(kubectlPath, [
      '--kubeconfig',
      server.kubeconfigPath,
      'top',
      'node',
      nodeName,
    ]);
    expect(kubectlTop.stdout).toMatch(
      new RegExp(`^${nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%\\s*$`, 'm'),
    );
    const missing = await raw(server, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/sim-usage');
    expect(missing.status).toBe(404);
  });
});
