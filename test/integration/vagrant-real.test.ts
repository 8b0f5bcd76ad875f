// The vagrant provider against REAL Vagrant (Debian's vagrant package, no VirtualBox or libvirt
// behind it): real `vagrant validate` reads the cluster's Vagrantfile copy, and a real
// `vagrant up` fails for want of a provider, its own words reaching the person. No machine is
// ever made. scripts/install-docker.sh installs vagrant; when it is missing the tests fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findRepositoryVagrantfile,
  VagrantProvider,
  vagrantClusterDir,
} from '../../src/provision/providers/vagrant.js';
import {
  vagrantEnv,
  vagrantfileHeader,
  vagrantMachineNames,
  vagrantOutputLine,
  vagrantSettingsFor,
} from '../../src/provision/providers/vagrant-plan.js';
import { temporaryKubelabHome } from '../helpers/kubelab-home.js';
import { requireProgram } from '../helpers/require-program.js';
import { testSshKey, vagrantTestPlan } from '../helpers/vagrant-plans.js';

const home = temporaryKubelabHome('kubelab-vagrant-real-');
const requireVagrant = () => requireProgram('vagrant', ['--version']);

describe("the cluster's Vagrantfile copy", () => {
  const settings = vagrantSettingsFor(vagrantTestPlan('lab', 2), { KUBELAB_MEMORY: '1024' });
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  // Real Vagrant reads the copy (the provider plugins are not needed to evaluate it): the
  // pinned settings win over a caller's environment that says otherwise.
  it('is a Vagrantfile real Vagrant reads as the planned machines', () => {
    requireVagrant();
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-vagrant-'));
    dirs.push(dir);
    const source = findRepositoryVagrantfile();
    writeFileSync(
      join(dir, 'Vagrantfile'),
      vagrantfileHeader(settings, source) + readFileSync(source, 'utf8'),
    );
    const run = spawnSync('vagrant', ['validate', '--ignore-provider'], {
      cwd: dir,
      encoding: 'utf8',
      env: vagrantEnv(dir, {
        ...process.env,
        VAGRANT_HOME: join(dir, 'home'),
        KUBELAB_CLUSTER: 'other',
        KUBELAB_WORKERS: '5',
      }),
    });
    expect(run.status, run.stderr).toBe(0);
    const names = settings.machines.map((m) => m.name);
    const said = run.stdout.split('\n').flatMap((l) => vagrantOutputLine(l, names) ?? []);
    expect(said.flatMap((s) => s.machine ?? [])).toEqual(names);
    expect(said.at(-1)).toEqual({ text: 'Vagrantfile validated successfully.' });
  });
});

describe('VagrantProvider', () => {
  // Real Vagrant, without a provider to make machines with: its own words reach the person.
  it('passes on what vagrant said when it fails, and where to look', async () => {
    requireVagrant();
    const provider = new VagrantProvider({
      env: {
        ...process.env,
        VAGRANT_HOME: join(home, 'vagrant.d'),
        VAGRANT_DEFAULT_PROVIDER: 'virtualbox',
      },
    });
    const lines: string[] = [];
    const error = await provider
      .ensureMachines(
        { cluster: 'real', machines: vagrantMachineNames('real', 1), sshKey: testSshKey },
        (m, _s, state, detail) => {
          if (state === 'detail') lines.push(`${m}: ${detail}`);
        },
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).toMatch(
      /^cannot start real-control-plane, real-worker1: `vagrant up --no-provision real-control-plane real-worker1` exited with 1:\n/,
    );
    expect(error?.message).toContain(
      `Fix what Vagrant says, then try again; to look yourself: cd ${vagrantClusterDir('real')} && vagrant status`,
    );
    expect(lines.length).toBeGreaterThan(0);
  });
});
