import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachinePlan, ProvisionedMachine } from '../../src/provision/providers/machine-provider.js';
import {
  inventoryPlanProblem,
  poweroffEmulationScript,
  poweronEmulationScript,
  SshHostsProvider,
} from '../../src/provision/providers/ssh-hosts.js';
import type { Inventory } from '../../src/provision/providers/ssh-inventory.js';
import { temporaryKubelabHome } from '../helpers/kubelab-home.js';

const sshKey = { privateKeyPath: '/c/id_ed25519', publicKey: 'ssh-ed25519 AAAA' };
const machine = (name: string, role: 'control-plane' | 'worker', address: string) => ({
  name,
  address,
  port: 22,
  user: 'root',
  key: '/k/id',
  role,
  line: 1,
});
const inventory: Inventory = {
  source: 'lab.yaml',
  machines: [machine('cp', 'control-plane', '10.0.0.10'), machine('w1', 'worker', '10.0.0.11')],
};
const plan = (machines: MachinePlan['machines']): MachinePlan => ({ cluster: 'lab', machines, sshKey });

describe('inventoryPlanProblem', () => {
  it('accepts a plan of exactly the inventory machines, in any order', () => {
    expect(
      inventoryPlanProblem(
        plan([
          { name: 'cp', role: 'control-plane' },
          { name: 'w1', role: 'worker' },
        ]),
        inventory,
      ),
    ).toBeUndefined();
  });

  it('says which machines and roles disagree', () => {
    expect(
      inventoryPlanProblem(
        plan([
          { name: 'cp', role: 'worker' },
          { name: 'w2', role: 'worker' },
        ]),
        inventory,
      ),
    ).toBe(
      'not in lab.yaml: w2; in lab.yaml but not in the plan: w1; cp is a worker in the plan but a control-plane in lab.yaml',
    );
  });
});

describe('the emulated power cut', () => {
  it('is valid sh, both ways', () => {
    for (const text of [poweroffEmulationScript(), poweronEmulationScript()])
      expect(spawnSync('sh', ['-n', '-c', text]).status).toBe(0);
  });

  it("records the units it stops before stopping them, kills kubelab's pods, and stops Docker Engine socket first", () => {
    const lines = poweroffEmulationScript().split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    expect(at(/> \/run\/kubelab-poweroff-units\.new$/)).toBeLessThan(at(/systemctl kill --signal=KILL/));
    expect(lines).toContain(
      '  docker ps -q --filter label=io.kubernetes.pod.uid | xargs -r docker kill >/dev/null || true',
    );
    expect(lines).toContain('for u in docker.socket docker.service; do');
    // A second run adds to the list instead of replacing it with nothing.
    expect(lines.find((l) => l.includes('sort -u'))).toMatch(/^\{ cat \/run\/kubelab-poweroff-units/);
  });

  it('starts again exactly the recorded units, and nothing when there was no power cut', () => {
    expect(poweronEmulationScript()).toBe(
      [
        'set -e',
        'if [ -s /run/kubelab-poweroff-units ]; then systemctl start $(cat /run/kubelab-poweroff-units); fi',
        'rm -f /run/kubelab-poweroff-units',
        '',
      ].join('\n'),
    );
  });
});

describe('SshHostsProvider without SSH', () => {
  const home = temporaryKubelabHome('kubelab-ssh-provider-');
  const cp: ProvisionedMachine = {
    name: 'cp',
    role: 'control-plane',
    address: '10.0.0.10',
    ssh: { address: '10.0.0.10', port: 22, user: 'root', privateKeyPath: '/k/id' },
  };

  it('needs an inventory to make a cluster', async () => {
    await expect(new SshHostsProvider().ensureMachines(plan([]), () => {})).rejects.toThrow(
      'the ssh provider uses machines that already exist: list them in an inventory file and pass it ' +
        '(kubelab up --provider ssh --inventory FILE; see examples/inventory.yaml)',
    );
  });

  it('refuses a plan its inventory does not describe, before dialling anything', async () => {
    const progress: string[] = [];
    await expect(
      new SshHostsProvider(inventory).ensureMachines(plan([{ name: 'cp', role: 'control-plane' }]), (m) =>
        progress.push(m),
      ),
    ).rejects.toThrow(
      'the plan for cluster lab and its inventory disagree: in lab.yaml but not in the plan: w1',
    );
    expect(progress).toEqual([]);
  });

  it('cannot fail or recover a machine of a cluster it never made', async () => {
    const message =
      `cluster lab has no recorded inventory (${join(home, 'clusters', 'lab', 'inventory.json')}): ` +
      'run kubelab up --name lab --provider ssh --inventory FILE first';
    await expect(new SshHostsProvider().failMachine('lab', cp, 'partition')).rejects.toThrow(message);
    await expect(new SshHostsProvider().recoverMachine('lab', cp)).rejects.toThrow(message);
  });

  it('destroys nothing but its own record of the inventory', async () => {
    const dir = join(home, 'clusters', 'lab');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    writeFileSync(join(dir, 'cluster.json'), '{}');
    await new SshHostsProvider().destroyMachines('lab');
    expect(existsSync(join(dir, 'inventory.json'))).toBe(false);
    expect(existsSync(join(dir, 'cluster.json'))).toBe(true);
    await new SshHostsProvider().destroyMachines('lab');
  });
});
