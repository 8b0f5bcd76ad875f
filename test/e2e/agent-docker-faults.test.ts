// Docker Engine stops answering under the node agent. dockerd is frozen with SIGSTOP (a hung
// daemon: connections are accepted, nothing is answered) and thawed with SIGCONT, always,
// whatever happens (the file holds Docker Engine to itself, so no other test sees it). The node
// reports what the kubelet reports (Ready=False, KubeletNotReady, "container runtime is down",
// a NodeNotReady event), the agent keeps renewing its Lease, running pods keep their last
// status, and after the thaw the node is Ready again and a pod created meanwhile runs. Then
// dockerd is restarted for real (its containers die with it) and the pod runs again.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, NodeCondition, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDownMessage } from '../../src/agent/runtime-health.js';
import { resource } from '../../src/api/resources.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { ensureImage } from '../../src/images/index.js';
import { type DockerTestNode, startDockerTestNode } from '../helpers/docker-test-node.js';
import { holdLockForFile } from '../helpers/e2e-fixtures.js';
import { until } from '../helpers/until.js';

// Every other file that uses Docker Engine waits while this one freezes and restarts it.
holdLockForFile('host-docker', 'exclusive');

const nodeName = 'docker-faults';
const docker = new Docker();
/**
 * This machine's dockerd: container-nodes (other e2e tests) run nested dockerds that `pidof`
 * sees too, so only a dockerd in this process's own pid namespace counts.
 */
const hostDockerdPid = () =>
  Number(
    execFileSync('pgrep', ['-x', 'dockerd', '--ns', String(process.pid), '--nslist', 'pid'])
      .toString()
      .trim()
      .split(/\s+/)[0],
  );
const dockerdPid = hostDockerdPid();
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let t: DockerTestNode;
let client: ApiClient;

function thawDockerd(): void {
  try {
    process.kill(dockerdPid, 'SIGCONT');
  } catch {
    // dockerd is gone: nothing to thaw.
  }
}
// Whatever ends this process, dockerd must not stay frozen.
process.on('exit', thawDockerd);

beforeAll(async () => {
  await ensureImage(docker, 'kubelab/web:1');
  await ensureImage(docker, 'kubelab/pause:1');
  t = await startDockerTestNode(nodeName, {
    health: { intervalMs: 1_000, timeoutMs: 1_500, downAfterMs: 3_000 },
  });
  client = t.client;
});

afterAll(async () => {
  thawDockerd();
  await t?.stop();
});

const pods = () => client.resource<Pod>(resource.pods, 'default');
const readyCondition = async (): Promise<NodeCondition | undefined> =>
  (await client.resource<Node>(resource.nodes).get(nodeName)).status?.conditions?.find(
    (c) => c.type === 'Ready',
  );
const podReady = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const leaseRenewTime = async () =>
  (await client.resource<Lease>(resource.leases, 'kube-node-lease').get(nodeName)).spec?.renewTime;

function createPod(name: string): Promise<Pod> {
  return pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  });
}

describe('Docker Engine frozen under the agent', () => {
  it('reports the node not ready while dockerd does not answer, keeps pods as they were, and recovers', async () => {
    await createPod('before');
    const before = await until('pod before Ready', async () => {
      const p = await pods().get('before');
      return podReady(p) && p;
    });

    const frozenAt = Date.now();
    process.kill(dockerdPid, 'SIGSTOP');
    try {
      const notReady = await until(
        'node Ready=False',
        async () => {
          const c = await readyCondition();
          return c?.status === 'False' && c;
        },
        15_000,
      );
      expect(notReady).toMatchObject({ reason: 'KubeletNotReady', message: runtimeDownMessage });
      process.stderr.write(`node not ready ${Date.now() - frozenAt} ms after the freeze\n`);

      // A pod created now cannot start yet. The agent keeps running meanwhile: its Lease is
      // still renewed while Docker is silent. The running pod keeps its last status.
      await createPod('during');
      const renewed = await leaseRenewTime();
      await until(
        'a Lease renewal during the freeze',
        async () => (await leaseRenewTime()) !== renewed,
        5_000,
      );
      expect((await pods().get('during')).status?.containerStatuses?.[0]?.state?.running).toBeUndefined();
      const still = await pods().get('before');
      expect(podReady(still)).toBe(true);
      expect(still.status?.containerStatuses).toEqual(before.status?.containerStatuses);
      expect(still.status?.podIP).toBe(before.status?.podIP);
    } finally {
      thawDockerd();
    }

    const ready = await until('node Ready=True after the thaw', async () => {
      const c = await readyCondition();
      return c?.status === 'True' && c;
    });
    expect(ready.reason).toBe('KubeletReady');
    const during = await until('pod during Ready after the thaw', async () => {
      const p = await pods().get('during');
      return podReady(p) && p;
    });
    expect(during.status?.phase).toBe('Running');
    const after = await pods().get('before');
    expect(podReady(after)).toBe(true);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(after.status?.containerStatuses?.[0]?.containerID).toBe(
      before.status?.containerStatuses?.[0]?.containerID,
    );

    const events = (await client.resource<Event>(resource.events, 'default').list()).items.filter(
      (e) => e.involvedObject?.kind === 'Node' && e.involvedObject.name === nodeName,
    );
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['NodeNotReady', 'NodeReady']));
    expect(events.find((e) => e.reason === 'NodeNotReady')?.message).toBe(
      `Node ${nodeName} status is now: NodeNotReady`,
    );
  });
});

describe('Docker Engine restarted under the agent', () => {
  it('loses the containers with it; the agent starts the pod again once Docker answers', async () => {
    const before = await until('pod before Ready', async () => {
      const p = await pods().get('before');
      return podReady(p) && p;
    });
    const pid = hostDockerdPid();
    // A clean stop (SIGTERM): dockerd stops every container on its way out, as a reboot of
    // the engine does without live-restore. Then the same start as .ci/run's.
    process.kill(pid, 'SIGTERM');
    await until('dockerd gone', async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    await until('node Ready=False', async () => (await readyCondition())?.status === 'False', 15_000);
    execFileSync('bash', [join(repoRoot, 'scripts/install-docker.sh')], { stdio: 'ignore' });
    const after = await until(
      'pod before Ready again in new containers',
      async () => {
        const p = await pods().get('before');
        const id = p.status?.containerStatuses?.[0]?.containerID;
        return podReady(p) && id !== before.status?.containerStatuses?.[0]?.containerID && p;
      },
      60_000,
    );
    const status = after.status?.containerStatuses?.[0];
    expect(status?.state?.running).toBeDefined();
    // The kubelet counts a container lost with its sandbox as a restart.
    expect(status?.restartCount).toBeGreaterThanOrEqual(1);
    expect((await readyCondition())?.status).toBe('True');
  });
});
