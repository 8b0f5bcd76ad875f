// The qemu provider: each machine is a real VM of the node image (vm-images/node), a
// daemonized qemu process that outlives kubelab, booted from a copy-on-write overlay of the
// cached disk with the image's kernel and initrd. Two NICs:
//   eth0  qemu's user-mode network: how this computer reaches the VM (127.0.0.1 port forwards
//         to its SSH and, on the control plane, to the API server's 6443)
//   eth1  the cluster's segment (qemu-segment.ts): a fixed address per machine, which is the
//         address the other machines reach it at and its Node's InternalIP
// KVM when it really works, TCG (software emulation) otherwise (qemu-accelerator.ts).
//   poweroff   SIGKILL to qemu: the VM stops at once, as if its power were cut
//   partition  the segment NIC drops every frame (qemu-partition.ts); SSH still works
//   recover    starts a killed VM again from the same files, or lifts the partition
// What the provider knows of a machine lives in its folder (qemu-vm-state.ts).
import { existsSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { findProgram, runBuildCommand } from '../../images/build-command.js';
import { listNodeImage } from '../../images/node-image.js';
import { clusterDir } from '../cluster-records.js';
import {
  clusterSshFiles,
  connectToMachine,
  MachineStepError,
  type SshConnection,
  sshRun,
} from '../ssh/index.js';
import type {
  MachineFailureMode,
  MachinePlan,
  MachineProvider,
  ProviderProgress,
  ProvisionedMachine,
} from './machine-provider.js';
import { type AcceleratorChoice, cachedAcceleratorChoice } from './qemu-accelerator.js';
import { type QemuAccelerator, qemuArgs } from './qemu-command-line.js';
import { freeLoopbackPort, loopbackPortFree } from './qemu-host-ports.js';
import { healSegment, partitionSegment } from './qemu-partition.js';
import { maxSocketPathLength } from './qemu-qmp.js';
import { machineMac, nextHostIndex, type QemuSegment, qemuSegment, segmentAddress } from './qemu-segment.js';
import { killQemu, qemuProcessesUsing, runningQemuPid, startQemu } from './qemu-vm-process.js';
import {
  listQemuVmStates,
  type QemuMachineFiles,
  type QemuVmImage,
  type QemuVmState,
  qemuClusterDir,
  qemuMachineFiles,
  qemuStateVersion,
  readQemuVmState,
  writeQemuVmState,
} from './qemu-vm-state.js';

export interface QemuProviderOptions {
  /** The node image new machines are made from. Default: the cached build of the current recipe. */
  image?: QemuVmImage;
  /** Per VM (defaults 1 vCPU, 1536 MiB: three machines fit a 2-core, 24 GiB host with room to spare). */
  cpus?: number;
  memoryMiB?: number;
  /** The overlay's size, larger than the 4 GiB image: the image's fstab grows / into it at boot. */
  diskSize?: string;
  /** `auto` (default) probes KVM once per process and falls back to TCG. */
  accelerator?: 'auto' | QemuAccelerator;
  /** How long a VM may take from start until SSH answers (default 6 min: TCG on a busy host). */
  bootTimeoutMs?: number;
}

/** A failure of one machine's step, worded as `<machine>: <step>: <what happened — what to do>`. */
export class QemuMachineError extends Error {
  override readonly name = 'QemuMachineError';

  constructor(
    readonly machine: string,
    readonly step: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${machine}: ${step}: ${detail}`, options);
  }
}

interface QemuTools {
  qemu: string;
  qemuImg: string;
}

const installHint = 'apt-get install qemu-system-x86 qemu-utils';

function requireQemuTools(machines: string, step: string): QemuTools {
  const qemu = findProgram('qemu-system-x86_64');
  const qemuImg = findProgram('qemu-img');
  if (!qemu)
    throw new QemuMachineError(machines, step, `qemu-system-x86_64 is not installed: ${installHint}`);
  if (!qemuImg) throw new QemuMachineError(machines, step, `qemu-img is not installed: ${installHint}`);
  return { qemu, qemuImg };
}

/** The segment a cluster's existing machines are on (it was derived when the first was made). */
function segmentOf(state: QemuVmState): QemuSegment {
  return {
    subnet: `${state.segment.address.split('.').slice(0, 3).join('.')}.0/24`,
    multicast: state.segment.multicast,
  };
}

function provisioned(state: QemuVmState, privateKeyPath: string): ProvisionedMachine {
  return {
    name: state.machine,
    role: state.role,
    address: state.segment.address,
    ssh: { address: '127.0.0.1', port: state.sshPort, user: 'root', privateKeyPath },
    ...(state.apiPort === undefined ? {} : { apiEndpoint: { host: '127.0.0.1', port: state.apiPort } }),
  };
}

/** The console lines a boot wrote after `fromByte`: where a VM that did not come up says why. */
async function consoleTail(files: QemuMachineFiles, fromByte: number, lines = 25): Promise<string> {
  const file = await open(files.serialLog, 'r').catch(() => undefined);
  if (!file) return '(no console output)';
  try {
    const { size } = await file.stat();
    const start = Math.min(size, Math.max(fromByte, size - 64 * 1024));
    const buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
    const text = buffer
      .toString('utf8')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes from the guest's console
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      .replace(/\r/g, '');
    const tail = text
      .split('\n')
      .filter((l) => l.trim())
      .slice(-lines);
    return tail.length ? tail.map((l) => `  | ${l}`).join('\n') : '(no console output)';
  } finally {
    await file.close();
  }
}

const consoleSize = async (files: QemuMachineFiles) =>
  (await stat(files.serialLog).catch(() => undefined))?.size ?? 0;

async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(
      errors,
      errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n'),
    );
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export class QemuProvider implements MachineProvider {
  readonly name = 'qemu' as const;
  readonly #options: QemuProviderOptions;

  constructor(options: QemuProviderOptions = {}) {
    // The same bounds the state file is read with: a machine is never recorded unreadable.
    const { cpus = 1, memoryMiB = 1536 } = options;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 64)
      throw new Error(`qemu provider: cpus must be an integer from 1 to 64, got ${cpus}`);
    if (!Number.isInteger(memoryMiB) || memoryMiB < 128 || memoryMiB > 1 << 20)
      throw new Error(`qemu provider: memoryMiB must be an integer from 128 to 1048576, got ${memoryMiB}`);
    this.#options = { ...options, cpus, memoryMiB };
  }

  async ensureMachines(plan: MachinePlan, progress: ProviderProgress): Promise<ProvisionedMachine[]> {
    const tools = requireQemuTools(plan.machines.map((m) => m.name).join(', '), 'start');
    const states = await this.#planMachines(plan);
    return settleAll(states.map((state) => this.#ensureMachine(plan, state, tools, progress)));
  }

  async destroyMachines(cluster: string): Promise<void> {
    const dir = qemuClusterDir(cluster);
    // By command line rather than by pid file: whatever runs from the cluster's files stops.
    await Promise.all((await qemuProcessesUsing(dir)).map((pid) => killQemu(pid)));
    await rm(dir, { recursive: true, force: true });
  }

  async failMachine(cluster: string, machine: ProvisionedMachine, mode: MachineFailureMode): Promise<void> {
    const files = qemuMachineFiles(cluster, machine.name);
    await this.#requireState(cluster, machine.name, mode);
    const pid = await runningQemuPid(files);
    if (mode === 'poweroff') {
      if (pid !== undefined) await killQemu(pid);
      return;
    }
    if (pid === undefined)
      throw new QemuMachineError(
        machine.name,
        'partition',
        `the VM is not running, so there is nothing to cut off: kubelab node recover ${machine.name} starts it`,
      );
    await partitionSegment(files.qmpSocket).catch((e: Error) => {
      throw new QemuMachineError(machine.name, 'partition', `${e.message} (is ${files.qmpSocket} qemu's?)`, {
        cause: e,
      });
    });
  }

  async recoverMachine(cluster: string, machine: ProvisionedMachine): Promise<void> {
    const files = qemuMachineFiles(cluster, machine.name);
    const state = await this.#requireState(cluster, machine.name, 'recover');
    if ((await runningQemuPid(files)) !== undefined) {
      await healSegment(files.qmpSocket).catch((e: Error) => {
        throw new QemuMachineError(machine.name, 'recover', e.message, { cause: e });
      });
      return;
    }
    const tools = requireQemuTools(machine.name, 'recover');
    const quiet: ProviderProgress = () => {};
    await this.#ensureDisk(state, files, tools, quiet);
    const since = await this.#boot(state, files, tools, quiet);
    // Back means reachable with the same host key: the cluster's pin is checked on login.
    await this.#waitForSsh(cluster, machine.ssh.privateKeyPath, state, files, since, quiet);
  }

  async #requireState(cluster: string, machine: string, step: string): Promise<QemuVmState> {
    const files = qemuMachineFiles(cluster, machine);
    const state = await readQemuVmState(files);
    if (!state)
      throw new QemuMachineError(
        machine,
        step,
        `no such qemu machine in cluster ${cluster} (no ${files.state}): kubelab status lists the machines`,
      );
    return state;
  }

  /**
   * The state of every planned machine: existing ones as they are (with the plan's key for
   * their next boot), new ones with the next free segment address and free host ports. Done
   * one machine at a time, before any VM starts, so parallel machines never pick the same.
   */
  async #planMachines(plan: MachinePlan): Promise<QemuVmState[]> {
    const existing = await listQemuVmStates(plan.cluster);
    const byName = new Map(existing.map((s) => [s.machine, s]));
    const usedIndexes = new Set(existing.map((s) => s.segment.hostIndex));
    const usedPorts = new Set(existing.flatMap((s) => [s.sshPort, ...(s.apiPort ? [s.apiPort] : [])]));
    const segment = existing[0] ? segmentOf(existing[0]) : qemuSegment(clusterDir(plan.cluster));
    const missing = plan.machines.filter((m) => !byName.has(m.name)).map((m) => m.name);
    let image: Promise<QemuVmImage> | undefined;
    const states: QemuVmState[] = [];
    for (const planned of plan.machines) {
      const files = qemuMachineFiles(plan.cluster, planned.name);
      const found = byName.get(planned.name);
      if (found) {
        if (found.role !== planned.role)
          throw new QemuMachineError(
            planned.name,
            'plan',
            `it exists as a ${found.role} machine, not a ${planned.role} one: remove the cluster (kubelab down) to change roles`,
          );
        if (found.publicKey !== plan.sshKey.publicKey) {
          found.publicKey = plan.sshKey.publicKey;
          await writeQemuVmState(files, found);
        }
        states.push(found);
        continue;
      }
      if (files.qmpSocket.length > maxSocketPathLength)
        throw new QemuMachineError(
          planned.name,
          'plan',
          `${files.qmpSocket} is longer than a unix socket path may be (${maxSocketPathLength} bytes): set KUBELAB_HOME to a shorter folder or pick a shorter cluster name`,
        );
      image ??= this.#newMachineImage(missing.join(', '));
      const hostIndex = nextHostIndex(usedIndexes);
      usedIndexes.add(hostIndex);
      const sshPort = await freeLoopbackPort(usedPorts);
      usedPorts.add(sshPort);
      const apiPort = planned.role === 'control-plane' ? await freeLoopbackPort(usedPorts) : undefined;
      if (apiPort) usedPorts.add(apiPort);
      const state: QemuVmState = {
        version: qemuStateVersion,
        cluster: plan.cluster,
        machine: planned.name,
        role: planned.role,
        image: await image,
        cpus: this.#options.cpus ?? 1,
        memoryMiB: this.#options.memoryMiB ?? 1536,
        sshPort,
        ...(apiPort ? { apiPort } : {}),
        segment: {
          multicast: segment.multicast,
          hostIndex,
          address: segmentAddress(segment, hostIndex),
          mac: machineMac(segment, hostIndex, 1),
        },
        natMac: machineMac(segment, hostIndex, 0),
        publicKey: plan.sshKey.publicKey,
        createdAt: new Date().toISOString(),
      };
      await writeQemuVmState(files, state);
      states.push(state);
    }
    return states;
  }

  /** The cached node image build (never a build: that needs root and minutes; the CLI does it). */
  async #newMachineImage(machines: string): Promise<QemuVmImage> {
    if (this.#options.image) return this.#options.image;
    const listed = await listNodeImage({ docker: null });
    if (!listed.cached)
      throw new QemuMachineError(
        machines,
        'disk',
        `the node image (recipe ${listed.recipeHash.slice(0, 12)}) is not built: run \`kubelab images build node\` (as root, ~2 min), then this again`,
      );
    const { recipeHash, disk, kernel, initrd } = listed.cached;
    return { recipeHash, disk, kernel, initrd };
  }

  async #ensureMachine(
    plan: MachinePlan,
    state: QemuVmState,
    tools: QemuTools,
    progress: ProviderProgress,
  ): Promise<ProvisionedMachine> {
    const files = qemuMachineFiles(plan.cluster, state.machine);
    const pid = await runningQemuPid(files);
    let since = 0;
    if (pid !== undefined) {
      progress(state.machine, 'boot', 'done', `already running (pid ${pid})`);
    } else {
      await this.#ensureDisk(state, files, tools, progress);
      since = await this.#boot(state, files, tools, progress);
    }
    await this.#waitForSsh(plan.cluster, plan.sshKey.privateKeyPath, state, files, since, progress);
    return provisioned(state, plan.sshKey.privateKeyPath);
  }

  /** The machine's overlay on the node image's disk; made once and kept for the VM's life. */
  async #ensureDisk(
    state: QemuVmState,
    files: QemuMachineFiles,
    tools: QemuTools,
    progress: ProviderProgress,
  ): Promise<void> {
    const gone = [state.image.disk, state.image.kernel, state.image.initrd].filter((f) => !existsSync(f));
    if (gone.length)
      throw new QemuMachineError(
        state.machine,
        'disk',
        `the node image it was made from (recipe ${state.image.recipeHash.slice(0, 12)}) is gone: missing ${gone.join(', ')}. ` +
          'Run `kubelab images build node`; if the recipe changed since, the machine must be made anew (kubelab down, kubelab up)',
      );
    if (existsSync(files.overlay)) {
      progress(state.machine, 'disk', 'done', `kept ${files.overlay}`);
      return;
    }
    progress(state.machine, 'disk', 'started', `copy-on-write overlay of ${state.image.disk}`);
    const size = this.#options.diskSize ?? '10G';
    // Made under a temporary name: an interrupted create never passes for the machine's disk.
    const temporary = `${files.overlay}.creating`;
    try {
      await runBuildCommand(tools.qemuImg, [
        ...['create', '-q', '-f', 'qcow2', '-b', state.image.disk, '-F', 'raw', temporary, size],
      ]);
      await rename(temporary, files.overlay);
    } catch (e) {
      await rm(temporary, { force: true });
      throw new QemuMachineError(
        state.machine,
        'disk',
        `${(e as Error).message} — is there room in ${files.dir}?`,
        { cause: e },
      );
    }
    progress(state.machine, 'disk', 'done', `${files.overlay} (${size})`);
  }

  async #accelerator(kernel: string, qemu: string): Promise<AcceleratorChoice> {
    const chosen = this.#options.accelerator ?? 'auto';
    if (chosen !== 'auto') return { accelerator: chosen, reason: `${chosen.toUpperCase()}, as configured` };
    return cachedAcceleratorChoice({ qemu, kernel });
  }

  /** Starts the VM from its state; resolves with the console log's size before it started. */
  async #boot(
    state: QemuVmState,
    files: QemuMachineFiles,
    tools: QemuTools,
    progress: ProviderProgress,
  ): Promise<number> {
    progress(state.machine, 'boot', 'started');
    const choice = await this.#accelerator(state.image.kernel, tools.qemu);
    progress(state.machine, 'boot', 'detail', choice.reason);
    // A forwarded port may have been taken while the VM was off; the machine moves, not fails.
    const ports = new Set(
      (await listQemuVmStates(state.cluster)).flatMap((s) => [s.sshPort, s.apiPort ?? 0]),
    );
    for (const key of ['sshPort', 'apiPort'] as const) {
      const port = state[key];
      if (port === undefined || (await loopbackPortFree(port))) continue;
      const moved = await freeLoopbackPort(ports);
      ports.add(moved);
      state[key] = moved;
      progress(
        state.machine,
        'boot',
        'detail',
        `127.0.0.1:${port} is taken now: forwarding ${moved} instead`,
      );
    }
    const since = await consoleSize(files);
    let pid: number;
    try {
      pid = await startQemu(tools.qemu, qemuArgs(state, files, choice.accelerator), files);
    } catch (e) {
      throw new QemuMachineError(
        state.machine,
        'boot',
        `qemu did not start: ${(e as Error).message}\n` +
          `qemu says why above. The VM's settings (memory, cpus, ports, image) are in ${files.state}: ` +
          'fix them there, or remove the cluster (kubelab down) to make it anew',
        { cause: e },
      );
    }
    state.pid = pid;
    state.accelerator = choice.accelerator;
    state.startedAt = new Date().toISOString();
    await writeQemuVmState(files, state);
    progress(
      state.machine,
      'boot',
      'done',
      `pid ${pid}, ${choice.accelerator.toUpperCase()}, ${state.cpus} vCPU, ${state.memoryMiB} MiB; console: ${files.serialLog}`,
    );
    return since;
  }

  /**
   * Until the VM's sshd lets root in with the cluster key and shows the host key pinned for
   * this machine (the first login pins it). Tried in short rounds so a qemu that died is
   * noticed within seconds, with its console's last words, instead of at the deadline.
   */
  async #waitForSsh(
    cluster: string,
    privateKeyPath: string,
    state: QemuVmState,
    files: QemuMachineFiles,
    consoleFrom: number,
    progress: ProviderProgress,
  ): Promise<void> {
    const endpoint = { address: '127.0.0.1', port: state.sshPort, user: 'root', privateKeyPath };
    const { knownHostsPath } = clusterSshFiles(cluster);
    const started = Date.now();
    const deadline = started + (this.#options.bootTimeoutMs ?? 360_000);
    progress(state.machine, 'ssh', 'started', `root@127.0.0.1:${state.sshPort}`);
    let lastReason = '';
    const waiting = (reason: string) => {
      if (reason === lastReason) return;
      lastReason = reason;
      progress(
        state.machine,
        'ssh',
        'detail',
        `waiting (${Math.round((Date.now() - started) / 1000)} s): ${reason}`,
      );
    };
    let connection: SshConnection;
    for (;;) {
      try {
        connection = await connectToMachine(state.machine, endpoint, {
          knownHostsPath,
          deadlineMs: Math.max(1000, Math.min(15_000, deadline - Date.now())),
          attemptTimeoutMs: 15_000,
          onRetry: ({ reason }) => waiting(reason),
        });
        break;
      } catch (e) {
        // A refused key or a changed host key will not get better by waiting.
        if (!(e instanceof MachineStepError) || e.failure !== 'unreachable') throw e;
        // Until the guest's network is up, qemu accepts the connection and nothing answers.
        waiting(e.message.replace(/^.*?: connect: /, '').replace(/, still after .*$/, ''));
        if ((await runningQemuPid(files)) === undefined)
          throw new QemuMachineError(
            state.machine,
            'boot',
            `qemu exited before SSH answered. Its console said:\n${await consoleTail(files, consoleFrom)}\n(all of it: ${files.serialLog})`,
          );
        if (Date.now() >= deadline)
          throw new QemuMachineError(
            state.machine,
            'ssh',
            `no SSH login at 127.0.0.1:${state.sshPort} within ${Math.round((Date.now() - started) / 1000)} s ` +
              `(${e.message}). Its console said:\n${await consoleTail(files, consoleFrom)}\n` +
              `The VM keeps running: under TCG a busy host boots slowly; run the command again to keep waiting (console: ${files.serialLog})`,
          );
      }
    }
    try {
      // The host key made at first boot must survive a power cut (poweroff is SIGKILL), or
      // the machine would come back with another key and the cluster's pin would refuse it.
      await sshRun(connection, 'sync', { step: 'sync', timeoutMs: 60_000 });
    } finally {
      connection.close();
    }
    progress(
      state.machine,
      'ssh',
      'done',
      `host key ${connection.hostKeyFingerprint}${connection.pinnedNow ? ' (pinned now)' : ''}`,
    );
  }
}
