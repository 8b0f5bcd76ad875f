// The vagrant provider: the repository's Vagrantfile makes the machines (VirtualBox or libvirt
// VMs), kubelab runs vagrant and reads `vagrant ssh-config` to reach them; bootstrap then makes
// them nodes over SSH as `vagrant` with sudo.
//
// Each cluster gets its own folder, `$KUBELAB_HOME/clusters/<name>/vagrant/`, holding a copy of
// the Vagrantfile with the cluster's settings pinned at its top (vagrant-plan.ts) and Vagrant's
// machine state (`.vagrant/`, with each machine's private key). A copy rather than the
// repository's file in place, because Vagrant keys its state to the Vagrantfile's folder and
// defines machines from the file each time it runs: in place, two clusters would share one
// state and `vagrant destroy` would act on whatever the environment said at that moment. The
// copy is rewritten by every `kubelab up`, so edits to the repository's Vagrantfile reach a
// cluster then, and only then.
//
//   poweroff   `vagrant halt --force`: the VM is switched off, its containers die
//   partition  the machine's firewall drops the other machines (firewall-partition.ts); the
//              management SSH (Vagrant's NAT or management network) stays open
//   recover    `vagrant up` when the VM is not running, then the partition is lifted
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clusterDir } from '../cluster-records.js';
import { clusterSshFiles, connectToMachine, type SshConnection, type SshEndpoint } from '../ssh/index.js';
import { applyPartition, liftPartition } from './firewall-partition.js';
import type {
  MachineFailureMode,
  MachinePlan,
  MachineProvider,
  ProviderProgress,
  ProvisionedMachine,
} from './machine-provider.js';
import {
  parseVagrantStatus,
  type VagrantClusterSettings,
  vagrantEnv,
  vagrantfileHeader,
  vagrantOutputLine,
  vagrantSettingsFor,
} from './vagrant-plan.js';
import { parseVagrantSshConfig, type VagrantSshHost } from './vagrant-ssh-config.js';

export interface VagrantProviderOptions {
  /** The Vagrantfile to copy (default: the repository's, found above this module). */
  vagrantfile?: string;
  /** The vagrant program (default: `vagrant` on PATH). */
  vagrantBinary?: string;
  /** The environment settings are read from and vagrant runs with (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

const settingsFile = 'kubelab-vagrant.json';

/** `$KUBELAB_HOME/clusters/<name>/vagrant/`. */
export function vagrantClusterDir(cluster: string): string {
  return join(clusterDir(cluster), 'vagrant');
}

/**
 * The repository's Vagrantfile, found by walking up from this module (the same code runs from
 * src/ under tests and from the dist/ bundle): the first folder with both a Vagrantfile and a
 * package.json.
 */
export function findRepositoryVagrantfile(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'Vagrantfile');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(`no Vagrantfile above ${start}: run kubelab from its repository checkout`);
  }
}

/** Machines Vagrant has state for in the folder (created, whatever their state now). */
async function machinesWithState(dir: string): Promise<string[]> {
  const machinesDir = join(dir, '.vagrant', 'machines');
  const names = await readdir(machinesDir).catch(() => [] as string[]);
  const created: string[] = [];
  for (const name of names) {
    const providers = await readdir(join(machinesDir, name)).catch(() => [] as string[]);
    if (providers.some((p) => existsSync(join(machinesDir, name, p, 'id')))) created.push(name);
  }
  return created.sort();
}

async function readSettings(dir: string): Promise<VagrantClusterSettings | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, settingsFile), 'utf8')) as VagrantClusterSettings;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${join(dir, settingsFile)}: ${(e as Error).message}`);
  }
}

/** The SSH endpoint in a Host block: its first IdentityFile that exists here. */
export function endpointOf(
  host: VagrantSshHost,
  exists: (path: string) => boolean = existsSync,
): SshEndpoint {
  // vagrant-libvirt on a remote libvirt host tunnels SSH through that host; kubelab's SSH client
  // dials machines directly.
  if (host.options.proxycommand)
    throw new Error(
      `${host.name} is reached through a ProxyCommand (${host.options.proxycommand}), which kubelab cannot ` +
        'follow: run the VMs on this computer (libvirt qemu:///system or VirtualBox)',
    );
  const privateKeyPath = host.identityFiles.find(exists);
  if (!privateKeyPath)
    throw new Error(
      `vagrant ssh-config names no key file that exists for ${host.name} (${host.identityFiles.join(', ')}): ` +
        'recreate the machine (kubelab down, then kubelab up)',
    );
  return { address: host.hostName, port: host.port, user: host.user, privateKeyPath };
}

interface VagrantRun {
  stdout: string;
  stderr: string;
}

export class VagrantProvider implements MachineProvider {
  readonly name = 'vagrant' as const;
  readonly #vagrantfile: string | undefined;
  readonly #binary: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: VagrantProviderOptions = {}) {
    this.#vagrantfile = options.vagrantfile;
    this.#binary = options.vagrantBinary ?? 'vagrant';
    this.#env = options.env ?? process.env;
  }

  async ensureMachines(plan: MachinePlan, progress: ProviderProgress): Promise<ProvisionedMachine[]> {
    const dir = vagrantClusterDir(plan.cluster);
    const settings = vagrantSettingsFor(plan, this.#env, await readSettings(dir));
    const names = settings.machines.map((m) => m.name);
    // A machine left out of the plan would drop out of the rewritten Vagrantfile, and Vagrant
    // could then neither stop nor destroy it: a VM nobody owns.
    const orphans = (await machinesWithState(dir)).filter((name) => !names.includes(name));
    if (orphans.length)
      throw new Error(
        `cluster ${plan.cluster} has Vagrant machines the plan leaves out (${orphans.join(', ')}): ` +
          `keep them in it (the same --workers as before), or remove the cluster first (kubelab down --name ${plan.cluster})`,
      );

    const vagrantfile = this.#vagrantfile ?? findRepositoryVagrantfile();
    const source = await readFile(vagrantfile, 'utf8').catch((e: Error) => {
      throw new Error(`cannot read the Vagrantfile ${vagrantfile}: ${e.message}`);
    });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'Vagrantfile'), vagrantfileHeader(settings, vagrantfile) + source);
    await writeFile(join(dir, settingsFile), `${JSON.stringify(settings, null, 2)}\n`);

    for (const name of names) progress(name, 'vagrant up', 'started');
    await this.#vagrant(dir, ['up', '--no-provision', ...names], {
      what: `start ${names.join(', ')}`,
      onLine: (line) => {
        const said = vagrantOutputLine(line, names);
        // Lines about no one machine (Vagrant's own warnings) are still worth seeing.
        if (said) progress(said.machine ?? 'vagrant', 'vagrant up', 'detail', said.text);
      },
    });
    const hosts = await this.#sshConfig(dir, names);
    return settings.machines.map((m) => {
      const ssh = endpointOf(hosts.get(m.name)!);
      progress(m.name, 'vagrant up', 'done', `${m.address} (SSH ${ssh.address}:${ssh.port})`);
      return { name: m.name, role: m.role, address: m.address, ssh };
    });
  }

  async destroyMachines(cluster: string): Promise<void> {
    const dir = vagrantClusterDir(cluster);
    if (!existsSync(join(dir, 'Vagrantfile'))) return;
    const created = await machinesWithState(dir);
    if (created.length)
      await this.#vagrant(dir, ['destroy', '--force'], { what: `destroy ${created.join(', ')}` });
    await rm(dir, { recursive: true, force: true });
  }

  async failMachine(cluster: string, machine: ProvisionedMachine, mode: MachineFailureMode): Promise<void> {
    const { dir, settings } = await this.#cluster(cluster, machine.name);
    if (mode === 'poweroff') {
      await this.#vagrant(dir, ['halt', '--force', machine.name], { what: `power off ${machine.name}` });
      return;
    }
    const peers = settings.machines.filter((m) => m.name !== machine.name).map((m) => m.address);
    await this.#withConnection(cluster, dir, machine.name, (connection) => applyPartition(connection, peers));
  }

  async recoverMachine(cluster: string, machine: ProvisionedMachine): Promise<void> {
    const { dir } = await this.#cluster(cluster, machine.name);
    const status = await this.#vagrant(dir, ['status', '--machine-readable', machine.name], {
      what: `read the state of ${machine.name}`,
    });
    const state = parseVagrantStatus(status.stdout).get(machine.name);
    if (state === 'not_created')
      throw new Error(
        `${machine.name} no longer exists in Vagrant (it was destroyed outside kubelab): ` +
          `run kubelab up --name ${cluster} to make it again`,
      );
    if (state !== 'running')
      await this.#vagrant(dir, ['up', '--no-provision', machine.name], { what: `start ${machine.name}` });
    // After a poweroff the firewall rules are gone with the old boot; lifting is still right
    // (and harmless), because the machine may have been partitioned and halted by hand since.
    await this.#withConnection(cluster, dir, machine.name, liftPartition);
  }

  async #cluster(
    cluster: string,
    machine: string,
  ): Promise<{ dir: string; settings: VagrantClusterSettings }> {
    const dir = vagrantClusterDir(cluster);
    const settings = await readSettings(dir);
    if (!settings)
      throw new Error(
        `cluster ${cluster} has no Vagrant machines here (no ${join(dir, settingsFile)}): ` +
          `make them with kubelab up --name ${cluster} --provider vagrant`,
      );
    if (!settings.machines.some((m) => m.name === machine))
      throw new Error(
        `${machine} is not a Vagrant machine of cluster ${cluster} (it has ${settings.machines.map((m) => m.name).join(', ')})`,
      );
    return { dir, settings };
  }

  async #sshConfig(dir: string, names: string[]): Promise<Map<string, VagrantSshHost>> {
    const output = await this.#vagrant(dir, ['ssh-config', ...names], {
      what: `read how to reach ${names.join(', ')} over SSH`,
    });
    const hosts = new Map(parseVagrantSshConfig(output.stdout).map((h) => [h.name, h]));
    const missing = names.filter((n) => !hosts.has(n));
    if (missing.length)
      throw new Error(
        `vagrant ssh-config said nothing about ${missing.join(', ')}: is it running? (cd ${dir} && vagrant status)`,
      );
    return hosts;
  }

  async #withConnection<T>(
    cluster: string,
    dir: string,
    machine: string,
    act: (connection: SshConnection) => Promise<T>,
  ): Promise<T> {
    // Read again rather than taken from the ProvisionedMachine: VirtualBox may forward another
    // port to SSH after the VM restarted (when 2222 was taken meanwhile).
    const host = (await this.#sshConfig(dir, [machine])).get(machine)!;
    const connection = await connectToMachine(machine, endpointOf(host), {
      knownHostsPath: clusterSshFiles(cluster).knownHostsPath,
    });
    try {
      return await act(connection);
    } finally {
      connection.close();
    }
  }

  /** Runs vagrant in the cluster's folder; a failure says what was being done and where to look. */
  #vagrant(
    dir: string,
    args: string[],
    options: { what: string; onLine?: (line: string) => void },
  ): Promise<VagrantRun> {
    const command = `vagrant ${args.join(' ')}`;
    return new Promise((resolve, reject) => {
      // stdin closed: a question from vagrant (which provider? overwrite?) fails instead of hanging.
      const child = spawn(this.#binary, args, {
        cwd: dir,
        env: vagrantEnv(dir, this.#env),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: string[] = [];
      const err: string[] = [];
      createInterface({ input: child.stdout }).on('line', (line) => {
        out.push(line);
        options.onLine?.(line);
      });
      createInterface({ input: child.stderr }).on('line', (line) => {
        err.push(line);
        options.onLine?.(line);
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'ENOENT'
            ? new Error(
                `cannot ${options.what}: vagrant is not installed (no ${this.#binary} on PATH). The vagrant provider ` +
                  'needs Vagrant with VirtualBox or libvirt (vagrant-libvirt); install them, or use another ' +
                  'provider (--provider docker or qemu)',
              )
            : new Error(`cannot ${options.what}: cannot run ${this.#binary}: ${e.message}`, { cause: e }),
        );
      });
      child.on('close', (code, signal) => {
        const stdout = out.join('\n');
        const stderr = err.join('\n');
        if (code === 0) return resolve({ stdout, stderr });
        const said = (err.length ? err : out).filter((l) => l.trim()).slice(-15);
        reject(
          new Error(
            `cannot ${options.what}: \`${command}\` ${signal ? `was killed by ${signal}` : `exited with ${code}`}` +
              (said.length ? `:\n  ${said.join('\n  ')}` : '') +
              `\n  Fix what Vagrant says, then try again; to look yourself: cd ${dir} && vagrant status`,
          ),
        );
      });
    });
  }
}
