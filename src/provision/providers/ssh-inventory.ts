// The inventory file of the ssh provider: machines that already exist (servers, VMs made some
// other way, a few computers on a desk), and how to log in to each. It is how kubelab goes
// beyond one computer, so it is read strictly and every problem says where it is and what to
// write instead: `inventory.yaml:7: machines[1].address: ...`, all of them at once.
//
// It is a typed config file in the Kubernetes style (like kind's cluster config), so the
// project's bounded manifest reader (api/manifest.ts: alias bombs and deep nesting refused,
// YAML 1.1 as kubectl reads it, the line of every field) reads it unchanged:
//
//   apiVersion: kubelab.dev/v1alpha1
//   kind: Inventory
//   machines:
//     - name: lab-control-plane      # becomes the Node name
//       address: 192.168.1.10        # where the other machines reach it (its InternalIP)
//       port: 22                     # SSH port (default 22)
//       user: debian                 # login user (default root); others need passwordless sudo
//       key: ~/.ssh/id_ed25519       # private key; ~ and paths relative to this file work
//       role: control-plane          # or worker; exactly one control-plane
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type ManifestDoc, ManifestError, parseManifests } from '../../api/manifest.js';
import { parseIP, validateNodeName } from '../../api/names.js';
import type { MachinePlan, MachineRole, ProvisionedMachine } from './machine-provider.js';

export const inventoryApiVersion = 'kubelab.dev/v1alpha1';
export const inventoryKind = 'Inventory';

export interface InventoryMachine {
  name: string;
  address: string;
  port: number;
  user: string;
  /** Absolute path of the private key. */
  key: string;
  role: MachineRole;
  /** 1-based line where the machine starts in the file. */
  line: number;
}

export interface Inventory {
  /** The file it was read from (for messages). */
  source: string;
  /** In the file's order. */
  machines: InventoryMachine[];
}

/** Every problem found in one inventory file; `problems` are the individual `file:line` errors. */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';
  constructor(readonly problems: ManifestError[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

export interface InventoryReadOptions {
  /** What relative key paths are relative to (default: the inventory file's folder). */
  baseDir?: string;
  /** What `~` is (default: the user's home). */
  homeDir?: string;
}

const topFields = ['apiVersion', 'kind', 'machines'];
const machineFields = ['name', 'address', 'port', 'user', 'key', 'role'];
const roles: MachineRole[] = ['control-plane', 'worker'];
const defaultPort = 22;
const defaultUser = 'root';
const inventoryStartHint = `An inventory starts with "apiVersion: ${inventoryApiVersion}" and "kind: ${inventoryKind}", then a machines: list (see examples/inventory.yaml).`;

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses and checks an inventory; throws InventoryError listing every problem. */
export function parseInventory(text: string, source: string, options: InventoryReadOptions = {}): Inventory {
  let docs: ManifestDoc[];
  try {
    docs = parseManifests(text, source);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    // The reader's own hint for these is about Kubernetes objects (apps/v1, Deployment).
    if (e.field === 'apiVersion' || e.field === 'kind')
      throw new InventoryError([
        new ManifestError({
          source,
          ...(e.line === undefined ? {} : { line: e.line }),
          field: e.field,
          problem: 'not set',
          hint: inventoryStartHint,
        }),
      ]);
    throw new InventoryError([e]);
  }
  const [doc, extra] = docs;
  if (!doc)
    throw new InventoryError([
      new ManifestError({
        source,
        problem: 'the file holds no inventory',
        hint: inventoryStartHint,
      }),
    ]);

  const problems: ManifestError[] = [];
  const problem = (field: string, message: string, hint: string, line = doc.lineOf(field)) => {
    problems.push(
      new ManifestError({ source, ...(line === undefined ? {} : { line }), field, problem: message, hint }),
    );
  };
  if (extra)
    problems.push(
      new ManifestError({
        source,
        line: extra.line,
        problem: 'a second document: an inventory file holds one inventory',
        hint: 'Put every machine in the one machines: list and remove the "---" line.',
      }),
    );

  const object = doc.object;
  for (const [field, wanted] of [
    ['apiVersion', inventoryApiVersion],
    ['kind', inventoryKind],
  ] as const)
    if (object[field] !== wanted)
      problem(field, `must be ${wanted}, got ${JSON.stringify(object[field])}`, inventoryStartHint);
  for (const key of Object.keys(object))
    if (!topFields.includes(key))
      problem(
        key,
        'unknown field',
        `An inventory has only ${topFields.join(', ')}; machines go in the machines: list.`,
      );

  const entries: CheckedEntry[] = [];
  const list = object.machines;
  if (!Array.isArray(list) || list.length === 0) {
    problem(
      'machines',
      list === undefined
        ? 'not set'
        : Array.isArray(list)
          ? 'the list is empty'
          : `must be a list, got ${describe(list)}`,
      'List the machines, each as "- name: ...", with one of role: control-plane.',
    );
  } else {
    const baseDir = options.baseDir ?? dirname(resolve(source));
    const homeDir = options.homeDir ?? homedir();
    list.forEach((item, index) => {
      entries.push(checkMachine(item, index, doc, problem, baseDir, homeDir));
    });
    checkTogether(entries, problem);
  }
  if (problems.length) throw new InventoryError(problems);
  return { source, machines: entries.map((e) => e.machine!) };
}

type Problem = (field: string, message: string, hint: string, line?: number) => void;

/** One entry of the machines list, as far as it could be read; `machine` only when all of it was right. */
interface CheckedEntry {
  index: number;
  line: number;
  name?: string;
  address?: string;
  role?: MachineRole;
  machine?: InventoryMachine;
}

function checkMachine(
  item: unknown,
  index: number,
  doc: ManifestDoc,
  problem: Problem,
  baseDir: string,
  homeDir: string,
): CheckedEntry {
  const path = `machines[${index}]`;
  const entry: CheckedEntry = { index, line: doc.lineOf(path) ?? doc.line };
  if (!isMapping(item)) {
    problem(
      path,
      `must be a mapping, got ${describe(item)}`,
      'Write each machine as "- name: ...", then its fields indented under it.',
    );
    return entry;
  }
  let count = 0;
  const report: Problem = (field, message, hint, line) => {
    count++;
    problem(field, message, hint, line);
  };
  for (const key of Object.keys(item))
    if (!machineFields.includes(key))
      report(`${path}.${key}`, 'unknown field', `A machine has only ${machineFields.join(', ')}.`);

  const text = (field: string, required: boolean, hint: string): string | undefined => {
    const value = item[field];
    if (value === undefined || value === null || value === '') {
      if (required) report(`${path}.${field}`, 'not set', hint);
      return undefined;
    }
    if (typeof value !== 'string') {
      report(
        `${path}.${field}`,
        `must be text, got ${describe(value)}`,
        `Quote it: ${field}: "${String(value)}".`,
      );
      return undefined;
    }
    return value;
  };

  const name = text('name', true, 'Give the machine a name: it becomes its Node name (e.g. lab-worker1).');
  if (name !== undefined) {
    const invalid = validateNodeName(name, false);
    if (invalid.length)
      report(
        `${path}.name`,
        `"${name}" is not a valid node name: ${invalid.join('; ')}`,
        'Use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. lab-worker1).',
      );
    else entry.name = name;
  }

  const address = text(
    'address',
    true,
    "Write the machine's IPv4 address, where the other machines reach it.",
  );
  if (address !== undefined) {
    const bytes = parseIP(address);
    if (bytes?.length !== 4)
      report(
        `${path}.address`,
        `"${address}" is not an IPv4 address`,
        bytes
          ? "kubelab's pod network and partitions are IPv4: write the machine's IPv4 address."
          : "Write the machine's IPv4 address (e.g. 192.168.1.20), not a host name: it becomes the Node's InternalIP.",
      );
    else if (bytes[0] === 127 || bytes[0] === 0 || bytes[0]! >= 224)
      report(
        `${path}.address`,
        `${address} is not an address other machines can reach`,
        "Write the machine's address on the network the machines share (ip -4 addr on the machine shows it).",
      );
    else entry.address = address;
  }

  let port = defaultPort;
  if (item.port !== undefined && item.port !== null) {
    if (typeof item.port !== 'number' || !Number.isInteger(item.port) || item.port < 1 || item.port > 65535)
      report(
        `${path}.port`,
        `must be a port number from 1 to 65535, got ${JSON.stringify(item.port)}`,
        'Write the SSH port as a number, e.g. port: 22 (the default).',
      );
    else port = item.port;
  }

  const user = text('user', false, '') ?? defaultUser;
  // Also what keeps the user name safe in messages and commands: no blanks, quotes or `;`.
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user) || user.length > 32)
    report(
      `${path}.user`,
      `"${user}" is not a user name`,
      'Write the login user, e.g. user: debian (default root).',
    );

  let key: string | undefined;
  const keyText = text(
    'key',
    true,
    'Write the path of the private key that logs in to the machine, e.g. key: ~/.ssh/id_ed25519.',
  );
  if (keyText !== undefined) {
    const resolved = resolveKeyPath(keyText, baseDir, homeDir);
    if (resolved === undefined)
      report(
        `${path}.key`,
        `"${keyText}": ~user paths are not supported`,
        'Write ~/... for your own home, or the full path.',
      );
    else if (!isFile(resolved))
      report(
        `${path}.key`,
        `no key file at ${resolved}`,
        `Write the path of the private key (not the .pub) whose public half is in ~${user}/.ssh/authorized_keys ` +
          'on the machine; ~ and paths relative to this file work.',
      );
    else key = resolved;
  }

  const role = item.role;
  if (role === undefined || role === null)
    report(
      `${path}.role`,
      'not set',
      'Write role: control-plane for the one control-plane machine, role: worker for the others.',
    );
  else if (!roles.includes(role as MachineRole))
    report(
      `${path}.role`,
      `must be control-plane or worker, got ${JSON.stringify(role)}`,
      'Write role: control-plane or role: worker.',
    );
  else entry.role = role as MachineRole;

  if (count === 0 && name !== undefined && address !== undefined && key !== undefined && entry.role)
    entry.machine = { name, address, port, user, key, role: entry.role, line: entry.line };
  return entry;
}

/** What only the whole list can show: duplicates and the one control plane. */
function checkTogether(entries: CheckedEntry[], problem: Problem): void {
  for (const key of ['name', 'address'] as const) {
    const seen = new Map<string, CheckedEntry>();
    for (const entry of entries) {
      const value = entry[key];
      if (value === undefined) continue;
      const earlier = seen.get(value);
      if (earlier)
        problem(
          `machines[${entry.index}].${key}`,
          `${value} is also the ${key} of the machine on line ${earlier.line}`,
          key === 'name'
            ? 'Every machine needs its own name: it becomes its Node name.'
            : 'Every machine needs its own address; list each machine once.',
        );
      else seen.set(value, entry);
    }
  }
  const controlPlanes = entries.filter((e) => e.role === 'control-plane');
  // A machine whose role could not be read may be the control plane: saying there is none
  // would only add a confusing second message about the same line.
  if (controlPlanes.length === 0 && entries.every((e) => e.role !== undefined))
    problem(
      'machines',
      'no machine has role: control-plane',
      'Make exactly one machine role: control-plane.',
    );
  const [first, ...extra] = controlPlanes;
  for (const entry of extra)
    problem(
      `machines[${entry.index}].role`,
      `a second control-plane machine (the first is ${first!.name ?? `on line ${first!.line}`}, line ${first!.line})`,
      'kubelab runs one control plane: make the other machines role: worker.',
    );
}

/** `~` and `~/x` from the home folder, relative paths from the inventory's folder; undefined for `~user`. */
export function resolveKeyPath(path: string, baseDir: string, homeDir: string): string | undefined {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  if (path.startsWith('~')) return undefined;
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Reads and checks an inventory file. */
export async function loadInventory(path: string, options: InventoryReadOptions = {}): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the inventory ${path}: ${(e as Error).message} (see examples/inventory.yaml)`,
      {
        cause: e,
      },
    );
  }
  return parseInventory(text, path, options);
}

/** An inventory's machines as a plan lists them: the control plane first, the workers in the file's order. */
export function inventoryMachines(inventory: Inventory): MachinePlan['machines'] {
  return [
    ...inventory.machines.filter((m) => m.role === 'control-plane'),
    ...inventory.machines.filter((m) => m.role !== 'control-plane'),
  ].map((m) => ({ name: m.name, role: m.role }));
}

export function inventoryPlan(
  cluster: string,
  inventory: Inventory,
  sshKey: MachinePlan['sshKey'],
): MachinePlan {
  return { cluster, machines: inventoryMachines(inventory), sshKey };
}

/** How kubelab reaches an inventory machine: its address is both its InternalIP and its SSH host. */
export function inventoryMachineEndpoint(machine: InventoryMachine): ProvisionedMachine {
  return {
    name: machine.name,
    role: machine.role,
    address: machine.address,
    ssh: { address: machine.address, port: machine.port, user: machine.user, privateKeyPath: machine.key },
  };
}
