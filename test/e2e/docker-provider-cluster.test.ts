// `kubelab up --provider docker --workers 2` from nothing, through the real CLI: three
// container-nodes, each bootstrapped over real SSH (Node runtime, kubelab programs, lab
// images, systemd units, join token), all Ready; a Deployment of kubelab/web:1 spread over
// both workers; HTTP from a pod to a pod on the other node by pod IP (host-gateway routes);
// every failure mode (poweroff, partition, agent) moves the pods to the other worker, and after
// recovery nothing is duplicated and no stale container is left; a node's credential cannot
// touch another node (403); a second `up` changes nothing. All of it on the e2e files' shared
// docker cluster (made by test/e2e/global-setup.ts with this very `up`), in a namespace of its
// own; the failure tests have the cluster to themselves and leave every node Ready. That
// `down` leaves nothing behind is tui-docker-cluster's last test (and the shared cluster's
// teardown checks it too).
import Docker from 'dockerode';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '../../src/api/status-error.js';
import { parseKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { clusterLabel } from '../../src/provision/providers/docker-machines.js';
import {
  lockedKubelabIn,
  namespaceOnSharedCluster,
  sharedDockerClusterForFile,
} from '../helpers/e2e-fixtures.js';
import { onMachine, podReady, webDeployment, webPods } from '../helpers/machine-cluster.js';
import { until } from '../helpers/until.js';

const docker = new Docker();
const shared = sharedDockerClusterForFile();
const namespace = 'e2e-docker-provider';
const fileNamespace = namespaceOnSharedCluster(shared, namespace);
let cluster: string;
let controlPlane: string;
let workers: string[];
let ok: ReturnType<typeof lockedKubelabIn>['ok'];
let cli: ReturnType<typeof lockedKubelabIn>['run'];
let admin: ApiClient;
const pods = () => webPods(admin, namespace);
const ready = podReady;

beforeAll(async () => {
  ({ name: cluster, controlPlane, workers } = shared.cluster);
  ({ ok, run: cli } = lockedKubelabIn(shared.cluster.home));
  admin = fileNamespace.admin;
});

describe('docker provider: a real multi-node cluster', () => {
  it('up --workers 2 from nothing: every machine bootstrapped over SSH, all Nodes Ready', async () => {
    // The shared cluster's `up`, from nothing, before any file used it.
    const out = shared.cluster.upOutput;
    expect(out).toMatch(/ready in [\d.]+ s: 3 nodes Ready/);
    for (const m of [controlPlane, ...workers]) {
      expect(out).toContain(`${m}: connect over SSH done`);
      expect(out).toContain(`${m}: join and start the agent done`);
    }
    const nodes = (await admin.request<{ items: Node[] }>('GET', '/api/v1/nodes')).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual([controlPlane, ...workers].sort());
    for (const n of nodes) {
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\//);
      expect(n.spec?.podCIDR).toMatch(/^10\.244\.\d+\.0\/24$/);
    }
    const cp = nodes.find((n) => n.metadata?.name === controlPlane);
    expect(cp?.spec?.taints).toContainEqual({
      key: 'node-role.kubernetes.io/control-plane',
      effect: 'NoSchedule',
    });
  }, 900_000);

  it("a node's own credential may change its own Node but not another's (403)", async () => {
    const text = onMachine(workers[0]!, 'cat /etc/kubelab/kubelet.kubeconfig');
    const config = parseKubeconfig(text);
    // The kubeconfig names the control plane's cluster address, which this computer reaches too.
    const node = new ApiClient(config);
    try {
      const patch = { metadata: { annotations: { 'e2e.kubelab.dev/touched': 'yes' } } };
      const merge = 'application/merge-patch+json';
      await node.request('PATCH', `/api/v1/nodes/${workers[0]}`, { body: patch, contentType: merge });
      const denied = await node
        .request('PATCH', `/api/v1/nodes/${workers[1]}`, { body: patch, contentType: merge })
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(StatusError);
      expect((denied as StatusError).code).toBe(403);
    } finally {
      node.close();
    }
  });

  it('a Deployment of kubelab/web:1 spreads over both workers and a pod reaches a pod on the other node by IP', async () => {
    const applied = await cli(['apply', '-n', namespace, '-f', '-'], {
      input: JSON.stringify(webDeployment(4)),
    });
    expect(applied.stdout).toContain('deployment.apps/web created');
    const running = await until(
      '4 web pods Ready',
      async () => {
        const list = (await pods()).filter(ready);
        return list.length === 4 ? list : undefined;
      },
      60_000,
    );
    const byNode = new Map<string, Pod[]>();
    for (const p of running)
      byNode.set(p.spec?.nodeName ?? '', [...(byNode.get(p.spec?.nodeName ?? '') ?? []), p]);
    expect([...byNode.keys()].sort()).toEqual([...workers].sort());
    const from = byNode.get(workers[0]!)![0]!;
    const to = byNode.get(workers[1]!)![0]!;
    expect(to.status?.podIP).toMatch(/^10\.244\./);
    const answer = await ok([
      'exec',
      '-n',
      namespace,
      from.metadata!.name!,
      '--',
      'sh',
      '-c',
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${to.status!.podIP} 8080`,
    ]);
    const where = running.map((p) => `${p.metadata?.name} ${p.status?.podIP} ${p.spec?.nodeName}`).join('; ');
    expect(answer, `from ${from.metadata?.name} to ${to.status?.podIP}; pods: ${where}`).toContain('200 OK');
    expect(answer, `from ${from.metadata?.name} to ${to.status?.podIP}; pods: ${where}`).toContain(
      `"pod":"${to.metadata!.name}"`,
    );
  }, 120_000);

  for (const mode of ['poweroff', 'partition', 'agent'] as const) {
    it(`node fail --mode ${mode}: its pods become Ready on the other worker; after recover no duplicates and no stale containers`, async () => {
      // No other file's pods on the cluster meanwhile: the victim's containers are all this file's.
      await shared.exclusively(async () => {
        const before = await pods();
        const victim = before.find((p) => p.spec?.nodeName)?.spec?.nodeName ?? workers[0]!;
        const other = workers.find((w) => w !== victim)!;
        const failed = Date.now();
        await ok(['node', 'fail', victim, '--mode', mode]);
        await until(
          `all 4 pods Ready on ${other}`,
          async () => {
            const list = (await pods()).filter(ready);
            return list.length === 4 && list.every((p) => p.spec?.nodeName === other);
          },
          60_000,
          200,
        );
        const failoverMs = Date.now() - failed;
        expect(failoverMs).toBeLessThan(60_000);
        await ok(['node', 'recover', victim], 180_000);
        await until(
          `${victim} Ready again and exactly 4 pods`,
          async () => {
            const node = await admin.request<Node>('GET', `/api/v1/nodes/${victim}`);
            const list = await pods();
            return (
              node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
              list.length === 4 &&
              list.every(ready)
            );
          },
          90_000,
          200,
        );
        // The returning node removes the containers of the pods that were replaced elsewhere.
        await until(
          `no pod containers left on ${victim}`,
          () => onMachine(victim, 'docker ps -aq').trim() === '',
          60_000,
          500,
        );
      });
    }, 300_000);
  }

  it('images load: an image only this computer has reaches every node over SSH and a pod runs it', async () => {
    const tag = `e2e-loaded/web:${process.pid}`;
    await docker.getImage('kubelab/web:2').tag({ repo: `e2e-loaded/web`, tag: String(process.pid) });
    try {
      const out = await ok(['images', 'load', tag], 120_000);
      expect(out).toContain(`loaded ${tag} into 3 node(s)`);
      for (const m of [controlPlane, ...workers])
        expect(onMachine(m, `docker image inspect -f '{{.Id}}' ${tag}`)).toMatch(/^sha256:/);
      // Again: every node has that id already, nothing is sent.
      expect(await ok(['images', 'load', tag], 120_000)).toContain('1 up to date');
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'loaded' },
        spec: { containers: [{ name: 'web', image: tag, imagePullPolicy: 'Never' }] },
      };
      const applied = await cli(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify(pod) });
      expect(applied.code).toBe(0);
      await until(
        'the pod of the loaded image Running',
        async () => {
          const p = await admin.request<Pod>('GET', `/api/v1/namespaces/${namespace}/pods/loaded`);
          return p.status?.phase === 'Running';
        },
        60_000,
        200,
      );
      await ok(['delete', 'pod', 'loaded', '-n', namespace]);
    } finally {
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
    }
  }, 240_000);

  it('a second up changes nothing: same machines, same pods, services not restarted', async () => {
    const since = (m: string, unit: string) =>
      onMachine(m, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`).trim();
    const machinesBefore = (
      await docker.listContainers({ filters: { label: [`${clusterLabel}=${cluster}`] } })
    )
      .map((c) => c.Id)
      .sort();
    const podsBefore = (await pods()).map((p) => p.metadata?.uid).sort();
    const serverSince = since(controlPlane, 'kubelab-server');
    const agentSince = [controlPlane, ...workers].map((m) => since(m, 'kubelab-agent'));
    const out = await ok(['up', '--provider', 'docker', '--name', cluster, '--workers', '2'], 300_000);
    expect(out).not.toMatch(/joined with a join token|\(uploaded\)|loaded\)/);
    expect(out).toContain('already joined');
    const machinesAfter = (
      await docker.listContainers({ filters: { label: [`${clusterLabel}=${cluster}`] } })
    )
      .map((c) => c.Id)
      .sort();
    expect(machinesAfter).toEqual(machinesBefore);
    expect((await pods()).map((p) => p.metadata?.uid).sort()).toEqual(podsBefore);
    expect(since(controlPlane, 'kubelab-server')).toBe(serverSince);
    expect([controlPlane, ...workers].map((m) => since(m, 'kubelab-agent'))).toEqual(agentSince);
  }, 300_000);
});
