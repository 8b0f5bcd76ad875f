// `kubelab up --provider qemu --workers 1`: two real VMs of the node image under TCG (KVM does
// not work on these machines; the provider probes it and says so), bootstrapped over SSH like
// any machine; a pod runs on the worker; the worker is powered off (qemu killed) and the pod is
// replaced on the control-plane node (it tolerates the control-plane taint, the only other
// node). Slow by nature (~20x slower CPU): every wait here is generous, and the profile is
// lab-slow, which the qemu provider picks by default.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/client/rest-client.js';
import { holdLockForFile, nodeImageBuilt, withLock } from '../helpers/e2e-fixtures.js';
import { kubelabIn, podReady, webDeployment, webPods } from '../helpers/machine-cluster.js';
import { until } from '../helpers/until.js';

const cluster = `q${process.pid}`;
const controlPlane = `${cluster}-control-plane`;
const worker = `${cluster}-worker`;
const home = mkdtempSync(join(tmpdir(), 'kubelab-qemu-cluster-'));
let admin: ApiClient;

const { ok, run } = kubelabIn(home);
const webPodsReady = async () => (await webPods(admin)).filter(podReady);

// The node image (built once for every file, ~2 minutes cold) while waiting for the VMs' turn.
beforeAll(() => nodeImageBuilt({ docker: false }), 15 * 60_000);
// Emulated VMs take a host core each: one qemu file at a time.
holdLockForFile('qemu', 'exclusive');

beforeAll(async () => {
  // The node image's qemu disk from the machine's cache (built once for every file, ~2 minutes).
  symlinkSync(join(process.env.KUBELAB_HOME || join(homedir(), '.kubelab'), 'images'), join(home, 'images'));
});

afterAll(async () => {
  admin?.close();
  await run(['down', '--name', cluster], { timeoutMs: 120_000 });
  rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('qemu provider: a cluster of real VMs under TCG', () => {
  it('up: two VMs bootstrapped over SSH, both Nodes Ready, API reached through the forwarded port', async () => {
    // `up` builds the lab images in this machine's Docker Engine to load them into the VMs (its
    // machines are VMs: the node image's Docker tag is not used).
    const out = await withLock('host-docker', 'shared', () =>
      withLock('lab-images', 'shared', () =>
        ok(['up', '--provider', 'qemu', '--name', cluster, '--workers', '1'], 1_500_000),
      ),
    );
    expect(out).toContain('profile: lab-slow');
    expect(out).toMatch(/TCG/);
    expect(out).toMatch(/ready in [\d.]+ s: 2 nodes Ready, API server https:\/\/127\.0\.0\.1:\d+/);
    admin = ApiClient.fromKubeconfig(join(home, 'clusters', cluster, 'kubeconfig'));
    const nodes = (await admin.request<{ items: Node[] }>('GET', '/api/v1/nodes')).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual([controlPlane, worker]);
    for (const n of nodes) {
      expect(n.status?.nodeInfo?.kernelVersion).toMatch(/cloud-amd64/);
      // The segment address, not qemu's user-mode 10.0.2.15 that every VM has.
      expect(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).not.toBe('10.0.2.15');
    }
  }, 1_500_000);

  it('a pod runs on the worker; poweroff moves it to the control-plane node', async () => {
    const deployment = webDeployment(1, {
      // The control plane is the only other node: let the pod go there once the worker is gone.
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: {
                matchExpressions: [
                  { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' },
                ],
              },
            },
          ],
        },
      },
    });
    const applied = await run(['apply', '-f', '-'], { input: JSON.stringify(deployment) });
    expect(applied.code, applied.stderr).toBe(0);
    const [first] = await until(
      'the pod Ready',
      async () => ((await webPodsReady()).length === 1 ? webPodsReady() : undefined),
      300_000,
      1_000,
    );
    expect(first?.spec?.nodeName).toBe(worker);
    await ok(['node', 'fail', worker, '--mode', 'poweroff']);
    const [moved] = await until(
      'the pod Ready on the control plane',
      async () => {
        const pods = await webPodsReady();
        return pods.length === 1 && pods[0]?.spec?.nodeName === controlPlane ? pods : undefined;
      },
      300_000,
      1_000,
    );
    expect(moved?.metadata?.name).not.toBe(first?.metadata?.name);
    const node = await admin.request<Node>('GET', `/api/v1/nodes/${worker}`);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
  }, 700_000);
});
