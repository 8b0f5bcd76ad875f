// `kubelab up --provider ssh --inventory FILE` on machines kubelab did not make: three
// container-nodes started here stand in for a user's existing servers (real sshd, real systemd,
// real Docker Engine), listed in an inventory file. Bootstrap installs the cluster on them over
// real SSH (on one of them installing Docker Engine from Debian's packages, as it was removed);
// `node fail --mode partition` firewalls a machine off with iptables (its containers
// keep running) and `--mode poweroff` emulates a power cut; both move the pods and recover
// cleanly; `down` removes what kubelab installed and leaves the machines themselves running.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Node } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/client/rest-client.js';
import { buildNodeImage } from '../../src/images/index.js';
import {
  type DockerMachine,
  destroyDockerMachine,
  ensureDockerMachine,
  listDockerMachines,
} from '../../src/provision/providers/docker-machines.js';
import { ensureSshKeyPair } from '../../src/provision/ssh/index.js';
import { holdLockForFile, lockedKubelabIn, nodeImageBuilt, withLock } from '../helpers/e2e-fixtures.js';
import { onMachine, podReady, webDeployment, webPods } from '../helpers/machine-cluster.js';
import { until } from '../helpers/until.js';

const docker = new Docker();
// The machines' own "site" (a Docker network kubelab's cluster knows nothing about).
const site = `ssh${process.pid}`;
const cluster = `e2essh${process.pid}`;
const home = mkdtempSync(join(tmpdir(), 'kubelab-ssh-provider-'));
let machines: DockerMachine[] = [];
let admin: ApiClient;

const { ok, run } = lockedKubelabIn(home);
const pods = () => webPods(admin);
const ready = podReady;

holdLockForFile('host-docker', 'shared');
// A cluster of its own (or a node image build): one such file at a time on two cores.
holdLockForFile('machines', 'exclusive');

beforeAll(async () => {
  symlinkSync(join(process.env.KUBELAB_HOME || join(homedir(), '.kubelab'), 'images'), join(home, 'images'));
  await nodeImageBuilt({ docker: true });
  const key = await ensureSshKeyPair(join(home, 'site-key'), 'site admin');
  const names = [`${site}-cp`, `${site}-w1`, `${site}-w2`];
  machines = await withLock('node-image', 'shared', async () => {
    const image = (await buildNodeImage({ docker })).dockerImage!;
    return Promise.all(
      names.map((name, i) =>
        ensureDockerMachine(docker, {
          cluster: site,
          name,
          role: i === 0 ? 'control-plane' : 'worker',
          image,
          publicKey: key.publicKey,
        }),
      ),
    );
  });
  // One of the "existing servers" has no Docker Engine: bootstrap installs it from Debian's packages.
  execFileSync('docker', [
    'exec',
    machines[2]!.name,
    'sh',
    '-c',
    // After boot (systemd answers only once it is up), so nothing starts Docker again behind us.
    'until systemctl is-system-running 2>/dev/null | grep -qE "running|degraded"; do sleep 0.2; done; ' +
      'systemctl stop docker.socket docker.service && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q docker.io >/dev/null && ! command -v docker',
  ]);
  const inventory = [
    'apiVersion: kubelab.dev/v1alpha1',
    'kind: Inventory',
    'machines:',
    ...machines.flatMap((m, i) => [
      `  - name: ${m.name}`,
      `    address: ${m.address}`,
      '    key: site-key',
      `    role: ${i === 0 ? 'control-plane' : 'worker'}`,
    ]),
  ].join('\n');
  writeFileSync(join(home, 'inventory.yaml'), `${inventory}\n`);
}, 900_000);

afterAll(async () => {
  admin?.close();
  await run(['down', '--name', cluster], { timeoutMs: 120_000 });
  for (const m of await listDockerMachines(docker, site)) await destroyDockerMachine(docker, site, m.name);
  rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('ssh provider: existing machines from an inventory', () => {
  it('up --provider ssh --inventory: kubelab installed over SSH on every machine, all Nodes Ready', async () => {
    const out = await ok(
      ['up', '--provider', 'ssh', '--inventory', join(home, 'inventory.yaml'), '--name', cluster],
      600_000,
    );
    expect(out).toMatch(/ready in [\d.]+ s: 3 nodes Ready/);
    expect(out).toContain(`${machines[2]!.name}: Docker Engine done`);
    expect(out).toMatch(new RegExp(`${machines[2]!.name}: Docker Engine done in [\\d.]+ s \\(installed\\)`));
    admin = ApiClient.fromKubeconfig(join(home, 'clusters', cluster, 'kubeconfig'));
    const nodes = (await admin.request<{ items: Node[] }>('GET', '/api/v1/nodes')).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(machines.map((m) => m.name).sort());
    const applied = await run(['apply', '-f', '-'], { input: JSON.stringify(webDeployment(2)) });
    expect(applied.code).toBe(0);
    await until('2 pods Ready', async () => (await pods()).filter(ready).length === 2, 60_000, 200);
  }, 600_000);

  for (const mode of ['partition', 'poweroff'] as const) {
    it(`node fail --mode ${mode} on a machine kubelab did not make: pods move, recover leaves it clean`, async () => {
      const victim = (await pods()).find(ready)!.spec!.nodeName!;
      const said = await ok(['node', 'fail', victim, '--mode', mode]);
      if (mode === 'poweroff') expect(said).toContain('emulated a power cut');
      else expect(onMachine(victim, 'iptables -w -S')).toContain('KUBELAB-PARTITION');
      await until(
        `pods Ready off ${victim}`,
        async () => {
          const list = (await pods()).filter(ready);
          return list.length === 2 && list.every((p) => p.spec?.nodeName !== victim);
        },
        60_000,
        200,
      );
      // The machine itself is still up (kubelab never powers off what it did not make).
      expect(onMachine(victim, 'echo alive')).toBe('alive\n');
      await ok(['node', 'recover', victim], 180_000);
      await until(
        `${victim} Ready, 2 pods, none left on it`,
        async () => {
          const node = await admin.request<Node>('GET', `/api/v1/nodes/${victim}`);
          const list = await pods();
          return (
            node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
            list.length === 2 &&
            list.every(ready) &&
            onMachine(victim, 'docker ps -aq').trim() === ''
          );
        },
        90_000,
        500,
      );
      expect(onMachine(victim, 'iptables -w -S')).not.toContain('KUBELAB-PARTITION');
    }, 300_000);
  }

  it('down removes what kubelab installed and leaves the machines running', async () => {
    await ok(['down', '--name', cluster], 180_000);
    for (const m of machines) {
      expect(onMachine(m.name, 'echo alive')).toBe('alive\n');
      expect(
        onMachine(
          m.name,
          'ls /opt/kubelab /etc/kubelab /var/lib/kubelab /etc/systemd/system/kubelab-agent.service 2>/dev/null | wc -l',
        ).trim(),
      ).toBe('0');
      expect(onMachine(m.name, 'docker ps -aq').trim()).toBe('');
      expect(onMachine(m.name, 'ip route show proto 77').trim()).toBe('');
    }
  }, 240_000);
});
