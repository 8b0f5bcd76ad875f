import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MachinePlan } from '../../src/provision/providers/machine-provider.js';
import { findRepositoryVagrantfile, vagrantClusterDir } from '../../src/provision/providers/vagrant.js';
import {
  parseVagrantStatus,
  vagrantEnv,
  vagrantfileHeader,
  vagrantMachineNames,
  vagrantOutputLine,
  vagrantPlanProblem,
  vagrantSettingsFor,
} from '../../src/provision/providers/vagrant-plan.js';
import { vagrantTestPlan as plan, testSshKey as sshKey } from '../helpers/vagrant-plans.js';

// Pure: what real Vagrant makes of the cluster's Vagrantfile copy is in
// test/integration/vagrant-real.test.ts.

describe('vagrant machine names', () => {
  it('are <cluster>-control-plane and <cluster>-worker1..K, the control plane first', () => {
    expect(vagrantMachineNames('lab', 2)).toEqual([
      { name: 'lab-control-plane', role: 'control-plane' },
      { name: 'lab-worker1', role: 'worker' },
      { name: 'lab-worker2', role: 'worker' },
    ]);
    expect(vagrantMachineNames('solo', 0)).toEqual([{ name: 'solo-control-plane', role: 'control-plane' }]);
  });
});

describe('vagrantSettingsFor', () => {
  it('gives fixed addresses on 192.168.56.0/24 from .10, in plan order, and the defaults', () => {
    expect(vagrantSettingsFor(plan('lab', 2))).toEqual({
      cluster: 'lab',
      box: 'debian/bookworm64',
      networkPrefix: '192.168.56',
      firstHost: 10,
      memoryMb: 2048,
      cpus: 2,
      machines: [
        { name: 'lab-control-plane', role: 'control-plane', address: '192.168.56.10' },
        { name: 'lab-worker1', role: 'worker', address: '192.168.56.11' },
        { name: 'lab-worker2', role: 'worker', address: '192.168.56.12' },
      ],
    });
  });

  it('takes the network, first address, memory, cpus and box from the environment', () => {
    const settings = vagrantSettingsFor(plan('big', 1), {
      KUBELAB_NETWORK_PREFIX: '10.77.3',
      KUBELAB_FIRST_HOST: '100',
      KUBELAB_MEMORY: '4096',
      KUBELAB_CPUS: '4',
      KUBELAB_BOX: 'generic/debian12',
    });
    expect(settings).toMatchObject({ memoryMb: 4096, cpus: 4, box: 'generic/debian12' });
    expect(settings.machines.map((m) => m.address)).toEqual(['10.77.3.100', '10.77.3.101']);
  });

  it('names the setting that is wrong', () => {
    expect(() => vagrantSettingsFor(plan('lab', 1), { KUBELAB_NETWORK_PREFIX: '192.168.56.0' })).toThrow(
      'KUBELAB_NETWORK_PREFIX=192.168.56.0: must be the first three octets of a /24, e.g. 192.168.56',
    );
    expect(() => vagrantSettingsFor(plan('lab', 1), { KUBELAB_MEMORY: '2G' })).toThrow(
      'KUBELAB_MEMORY=2G: must be a whole number from 512 to 1048576',
    );
    expect(() => vagrantSettingsFor(plan('lab', 1), { KUBELAB_CPUS: '0' })).toThrow(/KUBELAB_CPUS=0/);
    expect(() => vagrantSettingsFor(plan('lab', 3), { KUBELAB_FIRST_HOST: '253' })).toThrow(
      'no free address left in 192.168.56.0/24 from .255 on',
    );
  });

  it('keeps an existing cluster on its network and every machine on its address', () => {
    const first = vagrantSettingsFor(plan('lab', 2));
    // The caller's environment changed since; a worker is added and worker1 is gone.
    const next = vagrantSettingsFor(
      {
        cluster: 'lab',
        machines: [
          { name: 'lab-control-plane', role: 'control-plane' },
          { name: 'lab-worker2', role: 'worker' },
          { name: 'lab-worker3', role: 'worker' },
        ],
        sshKey,
      },
      { KUBELAB_NETWORK_PREFIX: '10.1.1', KUBELAB_MEMORY: '3072' },
      first,
    );
    expect(next.networkPrefix).toBe('192.168.56');
    expect(next.memoryMb).toBe(3072);
    expect(next.machines).toEqual([
      { name: 'lab-control-plane', role: 'control-plane', address: '192.168.56.10' },
      { name: 'lab-worker2', role: 'worker', address: '192.168.56.12' },
      // Its own slot (.12) is worker2's: the next free one.
      { name: 'lab-worker3', role: 'worker', address: '192.168.56.13' },
    ]);
    expect(vagrantSettingsFor(plan('lab', 2), {}, first)).toEqual(first);
  });

  it('refuses plans Vagrant cannot make', () => {
    const bad = (machines: MachinePlan['machines']) =>
      vagrantPlanProblem({ cluster: 'lab', machines, sshKey });
    expect(bad([{ name: 'lab-worker1', role: 'worker' }])).toBe(
      'the plan must start with its control-plane machine',
    );
    expect(
      bad([
        { name: 'a', role: 'control-plane' },
        { name: 'b', role: 'control-plane' },
      ]),
    ).toBe('the plan has more than one control-plane machine');
    expect(bad([{ name: 'Lab_CP', role: 'control-plane' }])).toMatch(
      /^machine name "Lab_CP" is not a valid node name: /,
    );
    expect(
      bad([
        { name: 'a', role: 'control-plane' },
        { name: 'a', role: 'worker' },
      ]),
    ).toBe('machine name "a" appears twice');
    expect(() => vagrantSettingsFor({ cluster: 'x', machines: [], sshKey })).toThrow(
      'cannot make Vagrant machines for cluster x: the plan must start with its control-plane machine',
    );
  });
});

describe("the cluster's Vagrantfile copy", () => {
  const settings = vagrantSettingsFor(plan('lab', 2), { KUBELAB_MEMORY: '1024' });

  it('pins every setting the Vagrantfile reads, as Ruby string literals', () => {
    expect(vagrantfileHeader(settings, '/src/kubelab/Vagrantfile').split('\n')).toEqual([
      '# Written by kubelab for cluster lab: a copy of /src/kubelab/Vagrantfile',
      '# with these settings pinned. `kubelab up` rewrites it; `kubelab down` destroys the machines and',
      '# removes this folder. Any vagrant command run here acts on this cluster only.',
      "ENV['KUBELAB_CLUSTER'] = 'lab'",
      "ENV['KUBELAB_MACHINES'] = 'lab-control-plane=192.168.56.10,lab-worker1=192.168.56.11,lab-worker2=192.168.56.12'",
      "ENV['KUBELAB_NETWORK_PREFIX'] = '192.168.56'",
      "ENV['KUBELAB_FIRST_HOST'] = '10'",
      "ENV['KUBELAB_MEMORY'] = '1024'",
      "ENV['KUBELAB_CPUS'] = '2'",
      "ENV['KUBELAB_BOX'] = 'debian/bookworm64'",
      '',
      '',
    ]);
    expect(vagrantfileHeader({ ...settings, box: "it's\\odd" }, 'V')).toContain(
      "ENV['KUBELAB_BOX'] = 'it\\'s\\\\odd'",
    );
  });

  it("lives in the cluster's folder, and the repository's Vagrantfile is found from the code", () => {
    expect(vagrantClusterDir('lab')).toMatch(/[/\\]clusters[/\\]lab[/\\]vagrant$/);
    const found = findRepositoryVagrantfile();
    expect(readFileSync(found, 'utf8')).toContain(
      "config.vm.box = ENV.fetch('KUBELAB_BOX', 'debian/bookworm64')",
    );
    expect(() => findRepositoryVagrantfile('/')).toThrow(
      'no Vagrantfile above /: run kubelab from its repository checkout',
    );
  });

  it("runs vagrant in the cluster's folder, whatever VAGRANT_* the caller set for other projects", () => {
    const env = vagrantEnv('/home/a/.kubelab/clusters/lab/vagrant', {
      PATH: '/usr/bin',
      VAGRANT_HOME: '/boxes',
      VAGRANT_DEFAULT_PROVIDER: 'libvirt',
      VAGRANT_DOTFILE_PATH: '/elsewhere/.vagrant',
      VAGRANT_VAGRANTFILE: 'Other.rb',
      VAGRANT_CWD: '/elsewhere',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      VAGRANT_HOME: '/boxes',
      VAGRANT_DEFAULT_PROVIDER: 'libvirt',
      VAGRANT_CWD: '/home/a/.kubelab/clusters/lab/vagrant',
      VAGRANT_NO_COLOR: '1',
    });
  });
});

describe("reading vagrant's output", () => {
  const names = ['lab-control-plane', 'lab-worker1'];

  it('gives each line of `vagrant up` to its machine', () => {
    expect(
      vagrantOutputLine("Bringing machine 'lab-worker1' up with 'virtualbox' provider...", names),
    ).toEqual({
      machine: 'lab-worker1',
      text: "Bringing machine 'lab-worker1' up with 'virtualbox' provider...",
    });
    expect(vagrantOutputLine('==> lab-control-plane: Booting VM...', names)).toEqual({
      machine: 'lab-control-plane',
      text: 'Booting VM...',
    });
    expect(vagrantOutputLine('    lab-worker1: SSH address: 127.0.0.1:2200', names)).toEqual({
      machine: 'lab-worker1',
      text: 'SSH address: 127.0.0.1:2200',
    });
    expect(vagrantOutputLine('==> vagrant: A new version of Vagrant is available: 2.4.1', names)).toEqual({
      text: '==> vagrant: A new version of Vagrant is available: 2.4.1',
    });
    expect(vagrantOutputLine('==> lab-worker9: Booting VM...', names)).toEqual({
      text: '==> lab-worker9: Booting VM...',
    });
    expect(vagrantOutputLine('   ', names)).toBeUndefined();
  });

  it('reads machine states from `vagrant status --machine-readable`', () => {
    const text = [
      '1716000000,lab-control-plane,metadata,provider,virtualbox',
      '1716000000,lab-control-plane,provider-name,virtualbox',
      '1716000000,lab-control-plane,state,running',
      '1716000000,lab-control-plane,state-human-short,running',
      '1716000000,lab-worker1,state,poweroff',
      '1716000000,lab-worker2,state,not_created',
      '1716000000,,ui,info,Current machine states:%!(VAGRANT_COMMA) ...',
    ].join('\n');
    expect([...parseVagrantStatus(text)]).toEqual([
      ['lab-control-plane', 'running'],
      ['lab-worker1', 'poweroff'],
      ['lab-worker2', 'not_created'],
    ]);
  });
});
