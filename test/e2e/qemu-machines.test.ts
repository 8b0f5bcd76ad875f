// The qemu provider for real: two VMs of the node image (control plane and worker) booted
// from the machine's normal image cache under whatever accelerator the probe picks (TCG on
// the project's hosts), reached over SSH with the cluster key, talking to each other on the
// cluster's segment; then partition, poweroff, recover, an idempotent ensure and destroy.
// Cluster records go to a KUBELAB_HOME of the test's own.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNodeImage } from '../../src/images/index.js';
import type { MachinePlan, ProvisionedMachine } from '../../src/provision/providers/machine-provider.js';
import { QemuProvider } from '../../src/provision/providers/qemu-machines.js';
import { qemuProcessesUsing, runningQemuPid } from '../../src/provision/providers/qemu-vm-process.js';
import {
  parseQemuVmState,
  type QemuVmImage,
  qemuClusterDir,
  qemuMachineFiles,
} from '../../src/provision/providers/qemu-vm-state.js';
import {
  clusterSshFiles,
  connectToMachine,
  ensureSshKeyPair,
  readHostKeyPins,
  type SshConnection,
  sshExec,
  sshRun,
} from '../../src/provision/ssh/index.js';
import { holdLockForFile, nodeImageBuilt } from '../helpers/e2e-fixtures.js';
import { until } from '../helpers/until.js';

const cluster = 'qemu-e2e';
const cpName = 'qemu-e2e-control-plane';
const workerName = 'qemu-e2e-worker';
// Short: the QMP socket's path must fit in 107 bytes.
const home = mkdtempSync(join(tmpdir(), 'kubelab-qemu-'));
const homeBefore = process.env.KUBELAB_HOME;

let image: QemuVmImage;
let plan: MachinePlan;
let provider: QemuProvider;
let machines: ProvisionedMachine[];
let controlPlane: ProvisionedMachine;
let worker: ProvisionedMachine;
const hostKeys = new Map<string, string>();

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const knownHostsPath = () => clusterSshFiles(cluster).knownHostsPath;

function login(machine: ProvisionedMachine, deadlineMs = 60_000): Promise<SshConnection> {
  return connectToMachine(machine.name, machine.ssh, { knownHostsPath: knownHostsPath(), deadlineMs });
}

// One connection per machine, kept while it lasts: an SSH handshake costs seconds of an
// emulated CPU. A powered-off machine's connection is lost, and the next command logs in anew.
const sessions = new Map<string, SshConnection>();

async function session(machine: ProvisionedMachine): Promise<SshConnection> {
  const open = sessions.get(machine.name);
  if (open && !open.lost) return open;
  const connection = await login(machine);
  sessions.set(machine.name, connection);
  return connection;
}

function closeSessions(): void {
  for (const connection of sessions.values()) connection.close();
  sessions.clear();
}

/** Runs `command` on the machine, whatever its exit code. */
async function onMachine(machine: ProvisionedMachine, command: string) {
  return sshExec(await session(machine), command, { timeoutMs: 60_000 });
}

/** Whether `from` gets an echo reply from `to` on the segment. */
async function pings(from: ProvisionedMachine, to: ProvisionedMachine): Promise<boolean> {
  return (await onMachine(from, `ping -c 2 -W 2 ${to.address}`)).exitCode === 0;
}

/**
 * Whether a TCP connection from `from` to port 6443 of `to`'s segment address carries a line
 * and its echo (the echo server the apiEndpoint test starts on the control plane).
 */
async function apiServerPortAnswers(from: ProvisionedMachine, to: ProvisionedMachine): Promise<boolean> {
  const { stdout } = await onMachine(
    from,
    `timeout 5 bash -c 'exec 3<>/dev/tcp/${to.address}/6443 && echo over-the-segment >&3 && head -n1 <&3'`,
  );
  return stdout.trim() === 'over-the-segment';
}

/** Sends a line to 127.0.0.1:port and resolves with what comes back before the other side closes. */
function exchange(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000);
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (received.includes('\n')) socket.end();
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

const stateOf = (machine: string) =>
  parseQemuVmState(readFileSync(qemuMachineFiles(cluster, machine).state, 'utf8'), machine);

// The node image (built once for every file, ~2 minutes cold) while waiting for the VMs' turn.
beforeAll(() => nodeImageBuilt({ docker: false }), 15 * 60_000);
// Emulated VMs take a host core each: one qemu file at a time.
holdLockForFile('qemu', 'exclusive');

beforeAll(async () => {
  // The node image from this machine's normal cache (a cold build takes ~2 min, as root, once
  // for every file), looked up before KUBELAB_HOME points at the test's folder.
  const built = await buildNodeImage({ docker: null });
  image = { recipeHash: built.recipeHash, disk: built.disk, kernel: built.kernel, initrd: built.initrd };
  process.env.KUBELAB_HOME = home;
  const key = await ensureSshKeyPair(clusterSshFiles(cluster).privateKeyPath, `kubelab-${cluster}`);
  plan = {
    cluster,
    machines: [
      { name: cpName, role: 'control-plane' },
      { name: workerName, role: 'worker' },
    ],
    sshKey: key,
  };
  provider = new QemuProvider({ image });
}, 15 * 60_000);

afterAll(async () => {
  closeSessions();
  // Whatever a failed test left running is stopped: only this cluster's VMs, found by their files.
  await provider?.destroyMachines(cluster).catch(() => undefined);
  if (homeBefore === undefined) delete process.env.KUBELAB_HOME;
  else process.env.KUBELAB_HOME = homeBefore;
  rmSync(home, { recursive: true, force: true });
});

describe('qemu machine provider', () => {
  it('says how to build the node image when it is not built, and starts nothing', async () => {
    // This KUBELAB_HOME has no image cache, and no image was passed in.
    const bare = new QemuProvider();
    await expect(bare.ensureMachines(plan, () => {})).rejects.toThrow(
      /qemu-e2e-control-plane, qemu-e2e-worker: disk: the node image .* is not built: run `kubelab images build node`/,
    );
    expect(existsSync(qemuMachineFiles(cluster, cpName).state)).toBe(false);
    expect(await qemuProcessesUsing(qemuClusterDir(cluster))).toEqual([]);
  });

  it('boots a control-plane and a worker VM in parallel and returns once both let the cluster key in', {
    timeout: 8 * 60_000,
  }, async () => {
    const events: string[] = [];
    const details: string[] = [];
    const startedAt = performance.now();
    machines = await provider.ensureMachines(plan, (machine, step, state, detail) => {
      if (state === 'detail') details.push(`${machine} ${step}: ${detail}`);
      else events.push(`${machine} ${step} ${state}`);
    });
    const bootMs = performance.now() - startedAt;
    [controlPlane, worker] = machines as [ProvisionedMachine, ProvisionedMachine];

    for (const name of [cpName, workerName])
      expect(events.filter((e) => e.startsWith(`${name} `))).toEqual(
        ['disk', 'boot', 'ssh'].flatMap((s) => [`${name} ${s} started`, `${name} ${s} done`]),
      );
    // The accelerator is chosen once and said for each machine, with the reason.
    const accelerator = details.filter((d) => /boot: (KVM|TCG)/.test(d));
    expect(accelerator).toHaveLength(2);
    console.log(`accelerator: ${accelerator[0]}`);

    const segment = /^10\.(\d+)\.(\d+)\.(\d+)$/;
    expect(controlPlane).toMatchObject({
      name: cpName,
      role: 'control-plane',
      address: expect.stringMatching(segment),
    });
    expect(worker).toMatchObject({
      name: workerName,
      role: 'worker',
      address: expect.stringMatching(segment),
    });
    // One /24 for the cluster, numbered from .10 in plan order, in 10.192.0.0/11.
    const cpOctets = segment.exec(controlPlane.address)!.slice(1).map(Number);
    expect(cpOctets[0]).toBeGreaterThanOrEqual(192);
    expect(cpOctets[0]).toBeLessThan(224);
    expect(cpOctets[2]).toBe(10);
    expect(worker.address).toBe(controlPlane.address.replace(/\.10$/, '.11'));
    for (const m of machines)
      expect(m.ssh).toEqual({
        address: '127.0.0.1',
        port: expect.any(Number),
        user: 'root',
        privateKeyPath: plan.sshKey.privateKeyPath,
      });
    expect(controlPlane.apiEndpoint).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    expect(worker.apiEndpoint).toBeUndefined();
    // Each VM is a detached qemu that this process did not keep as a child.
    for (const name of [cpName, workerName]) {
      const pid = await runningQemuPid(qemuMachineFiles(cluster, name));
      expect(pid).toBe(stateOf(name).pid);
    }
    console.log(`two VMs booted and answering SSH in ${seconds(bootMs)}`);
  });

  it('are named machines with the cluster key, on one segment by the returned addresses', {
    timeout: 3 * 60_000,
  }, async () => {
    for (const machine of machines) {
      const connection = await session(machine);
      hostKeys.set(machine.name, connection.hostKeyFingerprint);
      const { stdout } = await sshRun(
        connection,
        'hostname; ip -4 -o addr show eth1 | awk "{print \\$4}"; systemd-detect-virt; id -un; findmnt -bno SIZE /',
      );
      const [hostname, address, virt, user, rootBytes] = stdout.trim().split('\n');
      expect([hostname, address, virt, user]).toEqual([
        machine.name,
        `${machine.address}/24`,
        'qemu',
        'root',
      ]);
      // The root filesystem grew at boot from the image's 4 GiB into the 10 GiB overlay.
      expect(Number(rootBytes)).toBeGreaterThan(9e9);
    }
    // Pinned on first login, one line per machine, by name.
    const pins = await readHostKeyPins(knownHostsPath());
    expect(pins.map((p) => p.name).sort()).toEqual([cpName, workerName]);

    expect(await pings(worker, controlPlane)).toBe(true);
    expect(await pings(controlPlane, worker)).toBe(true);
  });

  it("forwards the control plane's apiEndpoint to port 6443 on the VM", { timeout: 2 * 60_000 }, async () => {
    // An echo server on 6443 inside the VM, from what the image has (systemd).
    await onMachine(
      controlPlane,
      'systemd-run --unit=e2e-echo systemd-socket-activate --listen=6443 --accept --inetd cat',
    ).then((r) => expect(r.exitCode).toBe(0));
    const port = controlPlane.apiEndpoint!.port;
    const echoed = await until(
      'an echo through the API port forward',
      async () => {
        const reply = await exchange(port, 'hello from the host');
        return reply.includes('hello from the host') ? reply : undefined;
      },
      60_000,
      1000,
    );
    expect(echoed).toBe('hello from the host\n');
  });

  it('partition cuts the worker off the segment while it keeps running; recover restores it', {
    timeout: 3 * 60_000,
  }, async () => {
    const files = qemuMachineFiles(cluster, workerName);
    const pid = await runningQemuPid(files);
    await provider.failMachine(cluster, worker, 'partition');

    expect(await runningQemuPid(files)).toBe(pid);
    // Still reachable over SSH (the user-mode NIC), still addressed, link up: only the segment is cut.
    const link = await onMachine(
      worker,
      'ip -4 -o addr show eth1 | awk "{print \\$4}"; cat /sys/class/net/eth1/carrier',
    );
    expect(link.stdout.trim().split('\n')).toEqual([`${worker.address}/24`, '1']);
    expect(await pings(worker, controlPlane)).toBe(false);
    expect(await pings(controlPlane, worker)).toBe(false);
    expect(await apiServerPortAnswers(worker, controlPlane)).toBe(false);

    const healedAt = performance.now();
    await provider.recoverMachine(cluster, worker);
    await until(
      'the worker to reach the control plane again',
      () => pings(worker, controlPlane),
      60_000,
      500,
    );
    expect(await pings(controlPlane, worker)).toBe(true);
    expect(await apiServerPortAnswers(worker, controlPlane)).toBe(true);
    expect(await runningQemuPid(files)).toBe(pid);
    console.log(`partition healed in ${seconds(performance.now() - healedAt)}`);
  });

  it('poweroff stops the VM at once; recover boots it with the same address and host key', {
    timeout: 8 * 60_000,
  }, async () => {
    const files = qemuMachineFiles(cluster, workerName);
    const pid = await runningQemuPid(files);
    expect(pid).toBeDefined();
    const bootId = async () =>
      (await sshRun(await session(worker), 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
    const bootBefore = await bootId();
    await provider.failMachine(cluster, worker, 'poweroff');
    sessions.get(workerName)?.close();
    sessions.delete(workerName);
    expect(await runningQemuPid(files)).toBeUndefined();
    expect(await qemuProcessesUsing(files.dir)).toEqual([]);
    // Nothing answers on its SSH port any more.
    await expect(login(worker, 2000)).rejects.toMatchObject({ failure: 'unreachable' });
    expect(await pings(controlPlane, worker)).toBe(false);

    const startedAt = performance.now();
    await provider.recoverMachine(cluster, worker);
    const recoverMs = performance.now() - startedAt;
    const newPid = await runningQemuPid(files);
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);

    const connection = await session(worker);
    // The pin was checked on login; the fingerprint is the one first seen.
    expect(connection.hostKeyFingerprint).toBe(hostKeys.get(workerName));
    expect(connection.pinnedNow).toBe(false);
    const { stdout } = await sshRun(connection, 'ip -4 -o addr show eth1 | awk "{print \\$4}"');
    expect(stdout.trim()).toBe(`${worker.address}/24`);
    // A new boot, not the old VM. (The guest's uptime cannot say so: under TCG on a loaded
    // host the emulated clock catches up lost ticks and ran ahead of the wall clock.)
    const bootAfter = await bootId();
    expect(bootAfter).toMatch(/^[0-9a-f-]{36}$/);
    expect(bootAfter).not.toBe(bootBefore);
    expect(stateOf(workerName).segment.address).toBe(worker.address);
    expect(await pings(worker, controlPlane)).toBe(true);
    console.log(`poweroff recovered (VM booted again, SSH answering) in ${seconds(recoverMs)}`);
  });

  it('ensureMachines on the running cluster changes nothing', { timeout: 2 * 60_000 }, async () => {
    const pidsBefore = await Promise.all(
      [cpName, workerName].map((n) => runningQemuPid(qemuMachineFiles(cluster, n))),
    );
    const events: string[] = [];
    const again = await provider.ensureMachines(plan, (machine, step, state) =>
      events.push(`${machine} ${step} ${state}`),
    );
    expect(again).toEqual(machines);
    expect(events.filter((e) => /(disk|boot) started$/.test(e))).toEqual([]);
    const pidsAfter = await Promise.all(
      [cpName, workerName].map((n) => runningQemuPid(qemuMachineFiles(cluster, n))),
    );
    expect(pidsAfter).toEqual(pidsBefore);
  });

  it('destroy stops every VM of the cluster and removes its files', { timeout: 60_000 }, async () => {
    const pids = await qemuProcessesUsing(qemuClusterDir(cluster));
    expect(pids).toHaveLength(2);
    await provider.destroyMachines(cluster);
    expect(await qemuProcessesUsing(qemuClusterDir(cluster))).toEqual([]);
    // Gone, or at most a zombie (an empty command line) until init reaps it.
    for (const pid of pids) expect(commandLineOf(pid)).toBe('');
    expect(existsSync(qemuClusterDir(cluster))).toBe(false);
    // Idempotent: nothing left to destroy is no error.
    await provider.destroyMachines(cluster);
  });
});
