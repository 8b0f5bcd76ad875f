// Where a qemu machine lives on disk and what kubelab remembers about it. Everything a VM
// needs to be started again exactly as it was (same disk, ports, MACs, segment address) is
// in `clusters/<cluster>/qemu/<machine>/state.json`, because the VM outlives the kubelab
// process that made it and `kubelab node recover` may run from another one.
//
//   clusters/<cluster>/qemu/<machine>/
//     state.json    this file's QemuVmState
//     disk.qcow2    copy-on-write overlay of the node image's disk.img
//     console.log   the serial console, appended across boots
//     qmp.sock      QMP, qemu's control socket (partition, recover)
//     qemu.pid      written by qemu itself when it has daemonized
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterDir } from '../cluster-records.js';
import type { MachineRole } from './machine-provider.js';

export const qemuStateVersion = 1;

export interface QemuVmImage {
  recipeHash: string;
  disk: string;
  kernel: string;
  initrd: string;
}

export interface QemuVmState {
  version: typeof qemuStateVersion;
  cluster: string;
  machine: string;
  role: MachineRole;
  /**
   * The node image the overlay was made from. A stopped VM is always started again with this
   * kernel and initrd, even after the recipe changed: the modules on its disk match only them.
   */
  image: QemuVmImage;
  cpus: number;
  memoryMiB: number;
  /** Host (127.0.0.1) ports forwarded by the user-mode NIC to the guest's 22 and, control plane, 6443. */
  sshPort: number;
  apiPort?: number;
  segment: {
    /** The multicast group:port of the cluster's segment. */
    multicast: string;
    /** Host index in the segment's /24 (the address's last byte). */
    hostIndex: number;
    address: string;
    mac: string;
  };
  natMac: string;
  /** Root's authorized key, given again on the kernel command line at every boot. */
  publicKey: string;
  /** qemu's pid when it was last started; whether it still runs is checked, never assumed. */
  pid?: number;
  /** The accelerator it was last started with. */
  accelerator?: 'kvm' | 'tcg';
  createdAt: string;
  startedAt?: string;
}

export interface QemuMachineFiles {
  dir: string;
  state: string;
  overlay: string;
  serialLog: string;
  qmpSocket: string;
  pidFile: string;
}

export function qemuClusterDir(cluster: string): string {
  return join(clusterDir(cluster), 'qemu');
}

export function qemuMachineFiles(cluster: string, machine: string): QemuMachineFiles {
  const dir = join(qemuClusterDir(cluster), machine);
  return {
    dir,
    state: join(dir, 'state.json'),
    overlay: join(dir, 'disk.qcow2'),
    serialLog: join(dir, 'console.log'),
    qmpSocket: join(dir, 'qmp.sock'),
    pidFile: join(dir, 'qemu.pid'),
  };
}

const fail = (path: string, detail: string): Error =>
  new Error(
    `${path}: ${detail} — fix or delete the file (deleting it makes kubelab create the machine anew)`,
  );

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses a state file. Every field a restart depends on is checked, so a hand-edited or
 * truncated file is reported with its path and field rather than starting a VM on the wrong
 * disk or port.
 */
export function parseQemuVmState(text: string, path: string): QemuVmState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw fail(path, `not JSON (${(e as Error).message})`);
  }
  if (!isObject(value)) throw fail(path, 'expected a JSON object');
  if (value.version !== qemuStateVersion)
    throw fail(path, `version: expected ${qemuStateVersion}, got ${JSON.stringify(value.version)}`);
  const str = (obj: Record<string, unknown>, field: string, where = field): string => {
    const v = obj[field];
    if (typeof v !== 'string' || v === '') throw fail(path, `${where}: expected a non-empty string`);
    return v;
  };
  const int = (obj: Record<string, unknown>, field: string, min: number, max: number, where = field) => {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw fail(path, `${where}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  str(value, 'cluster');
  str(value, 'machine');
  if (value.role !== 'control-plane' && value.role !== 'worker')
    throw fail(path, `role: expected "control-plane" or "worker", got ${JSON.stringify(value.role)}`);
  if (!isObject(value.image)) throw fail(path, 'image: expected an object');
  for (const f of ['recipeHash', 'disk', 'kernel', 'initrd']) str(value.image, f, `image.${f}`);
  int(value, 'cpus', 1, 64);
  int(value, 'memoryMiB', 128, 1 << 20);
  int(value, 'sshPort', 1, 65535);
  if (value.apiPort !== undefined) int(value, 'apiPort', 1, 65535);
  if (value.role === 'control-plane' && value.apiPort === undefined)
    throw fail(path, 'apiPort: a control-plane machine needs one');
  if (!isObject(value.segment)) throw fail(path, 'segment: expected an object');
  int(value.segment, 'hostIndex', 1, 254, 'segment.hostIndex');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(str(value.segment, 'address', 'segment.address')))
    throw fail(path, 'segment.address: expected an IPv4 address');
  if (!/^\d+\.\d+\.\d+\.\d+:\d+$/.test(str(value.segment, 'multicast', 'segment.multicast')))
    throw fail(path, 'segment.multicast: expected <group>:<port>');
  const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
  if (!mac.test(str(value.segment, 'mac', 'segment.mac'))) throw fail(path, 'segment.mac: expected a MAC');
  if (!mac.test(str(value, 'natMac'))) throw fail(path, 'natMac: expected a MAC');
  str(value, 'publicKey');
  if (value.pid !== undefined) int(value, 'pid', 1, 2 ** 31);
  if (value.accelerator !== undefined && value.accelerator !== 'kvm' && value.accelerator !== 'tcg')
    throw fail(path, `accelerator: expected "kvm" or "tcg", got ${JSON.stringify(value.accelerator)}`);
  str(value, 'createdAt');
  return value as unknown as QemuVmState;
}

/** The machine's state, or undefined when it was never created (no state file). */
export async function readQemuVmState(files: QemuMachineFiles): Promise<QemuVmState | undefined> {
  let text: string;
  try {
    text = await readFile(files.state, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseQemuVmState(text, files.state);
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. */
export async function writeQemuVmState(files: QemuMachineFiles, state: QemuVmState): Promise<void> {
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  const temporary = `${files.state}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, files.state);
}

/** Every machine of the cluster that has a state file (whatever the current plan lists). */
export async function listQemuVmStates(cluster: string): Promise<QemuVmState[]> {
  const names = await readdir(qemuClusterDir(cluster)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const states = await Promise.all(names.map((n) => readQemuVmState(qemuMachineFiles(cluster, n))));
  return states.filter((s): s is QemuVmState => s !== undefined);
}
