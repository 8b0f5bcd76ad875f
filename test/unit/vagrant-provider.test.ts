import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProvisionedMachine } from '../../src/provision/providers/machine-provider.js';
import { VagrantProvider, vagrantClusterDir } from '../../src/provision/providers/vagrant.js';
import { vagrantMachineNames } from '../../src/provision/providers/vagrant-plan.js';
import { temporaryKubelabHome } from '../helpers/kubelab-home.js';
import { testSshKey as sshKey } from '../helpers/vagrant-plans.js';

// What the provider does before and around vagrant, with no vagrant program at all: the
// cluster's folder, the pinned copy, and what a person reads when vagrant is missing. How a
// real `vagrant up` failing reads is in test/integration/vagrant-real.test.ts.
temporaryKubelabHome('kubelab-vagrant-provider-');

const missing = new VagrantProvider({ vagrantBinary: 'kubelab-test-no-such-vagrant', env: {} });

describe('VagrantProvider', () => {
  it('writes the pinned copy and its settings, then says vagrant is missing and what to do', async () => {
    const progress: string[] = [];
    await expect(
      missing.ensureMachines(
        { cluster: 'lab', machines: vagrantMachineNames('lab', 1), sshKey },
        (m, step, state) => progress.push(`${m} ${step} ${state}`),
      ),
    ).rejects.toThrow(
      'cannot start lab-control-plane, lab-worker1: vagrant is not installed (no kubelab-test-no-such-vagrant on PATH). ' +
        'The vagrant provider needs Vagrant with VirtualBox or libvirt (vagrant-libvirt); install them, or use ' +
        'another provider (--provider docker or qemu)',
    );
    expect(progress).toEqual(['lab-control-plane vagrant up started', 'lab-worker1 vagrant up started']);
    const dir = vagrantClusterDir('lab');
    const copy = readFileSync(join(dir, 'Vagrantfile'), 'utf8');
    expect(copy).toContain(
      "ENV['KUBELAB_MACHINES'] = 'lab-control-plane=192.168.56.10,lab-worker1=192.168.56.11'\n",
    );
    expect(copy).toContain('config.vm.define name, primary: index.zero? do |machine|');
    expect(JSON.parse(readFileSync(join(dir, 'kubelab-vagrant.json'), 'utf8')).machines).toHaveLength(2);
  });

  it('refuses a plan that would leave a created machine nobody can destroy', async () => {
    const state = join(vagrantClusterDir('lab'), '.vagrant', 'machines', 'lab-worker1', 'virtualbox');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'id'), 'f1e2d3\n');
    await expect(
      missing.ensureMachines({ cluster: 'lab', machines: vagrantMachineNames('lab', 0), sshKey }, () => {}),
    ).rejects.toThrow(
      'cluster lab has Vagrant machines the plan leaves out (lab-worker1): keep them in it (the same --workers as ' +
        'before), or remove the cluster first (kubelab down --name lab)',
    );
    // Destroying needs vagrant while a machine exists: the folder (and its keys) stays.
    await expect(missing.destroyMachines('lab')).rejects.toThrow(
      /cannot destroy lab-worker1: vagrant is not installed/,
    );
    expect(existsSync(vagrantClusterDir('lab'))).toBe(true);
  });

  it('names the cluster and machine it does not know', async () => {
    const machine: ProvisionedMachine = {
      name: 'other-worker1',
      role: 'worker',
      address: '192.168.56.11',
      ssh: { address: '127.0.0.1', port: 2222, user: 'vagrant', privateKeyPath: '/k' },
    };
    await expect(missing.failMachine('nowhere', machine, 'poweroff')).rejects.toThrow(
      `cluster nowhere has no Vagrant machines here (no ${join(vagrantClusterDir('nowhere'), 'kubelab-vagrant.json')}): ` +
        'make them with kubelab up --name nowhere --provider vagrant',
    );
    await expect(missing.recoverMachine('lab', machine)).rejects.toThrow(
      'other-worker1 is not a Vagrant machine of cluster lab (it has lab-control-plane, lab-worker1)',
    );
  });

  it('destroys a cluster whose machines were never created by removing its folder', async () => {
    await missing
      .ensureMachines({ cluster: 'empty', machines: vagrantMachineNames('empty', 0), sshKey }, () => {})
      .catch(() => {});
    expect(existsSync(vagrantClusterDir('empty'))).toBe(true);
    await missing.destroyMachines('empty');
    expect(existsSync(vagrantClusterDir('empty'))).toBe(false);
    await missing.destroyMachines('empty');
  });
});
