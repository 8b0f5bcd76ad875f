import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type InventoryError,
  inventoryMachineEndpoint,
  inventoryPlan,
  loadInventory,
  parseInventory,
  resolveKeyPath,
} from '../../src/provision/providers/ssh-inventory.js';

// A home folder with ~/.ssh/id_ed25519, and an inventory folder with keys/lab-worker2.
const root = mkdtempSync(join(tmpdir(), 'kubelab-inventory-'));
const home = join(root, 'home');
const here = join(root, 'lab');
mkdirSync(join(home, '.ssh'), { recursive: true });
mkdirSync(join(here, 'keys'), { recursive: true });
writeFileSync(join(home, '.ssh', 'id_ed25519'), 'key\n');
writeFileSync(join(here, 'keys', 'lab-worker2'), 'key\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const source = join(here, 'inventory.yaml');
const read = (text: string) => parseInventory(text, source, { homeDir: home });

/** Each problem's first line, with the folder left out: `inventory.yaml:7: machines[0].port: ...`. */
function problems(text: string): string[] {
  try {
    read(text);
  } catch (e) {
    const error = e as InventoryError;
    if (!error.problems) throw e;
    return error.problems.map((p) => p.message.replaceAll(`${here}/`, '').split('\n')[0]!);
  }
  throw new Error('expected an InventoryError');
}

const header = 'apiVersion: kubelab.dev/v1alpha1\nkind: Inventory\nmachines:\n';
const controlPlane =
  '  - name: cp\n    address: 10.0.0.10\n    key: ~/.ssh/id_ed25519\n    role: control-plane\n';

describe('parseInventory: good files', () => {
  it('reads the example shipped in examples/, resolving ~ and paths relative to the file', () => {
    const text = readFileSync(new URL('../../examples/inventory.yaml', import.meta.url), 'utf8');
    const inventory = read(text);
    expect(inventory.source).toBe(source);
    expect(inventory.machines).toEqual([
      {
        name: 'lab-control-plane',
        address: '192.168.1.10',
        port: 22,
        user: 'debian',
        key: join(home, '.ssh', 'id_ed25519'),
        role: 'control-plane',
        line: 14,
      },
      {
        name: 'lab-worker1',
        address: '192.168.1.11',
        port: 22,
        user: 'debian',
        key: join(home, '.ssh', 'id_ed25519'),
        role: 'worker',
        line: 20,
      },
      {
        name: 'lab-worker2',
        address: '192.168.1.12',
        port: 22,
        user: 'root',
        key: join(here, 'keys', 'lab-worker2'),
        role: 'worker',
        line: 27,
      },
    ]);
  });

  it('defaults port to 22 and user to root, and takes an absolute key path as it is', () => {
    const key = join(here, 'keys', 'lab-worker2');
    const { machines } = read(
      `${header}  - name: w1\n    address: 10.0.0.11\n    port: 2222\n    user: ops\n    key: ${key}\n    role: worker\n${controlPlane}`,
    );
    expect(machines.map(({ name, port, user, key }) => ({ name, port, user, key }))).toEqual([
      { name: 'w1', port: 2222, user: 'ops', key },
      { name: 'cp', port: 22, user: 'root', key: join(home, '.ssh', 'id_ed25519') },
    ]);
  });

  it('accepts a lone control-plane machine', () => {
    expect(read(header + controlPlane).machines.map((m) => m.name)).toEqual(['cp']);
  });
});

describe('parseInventory: every problem, at its line', () => {
  it('the file itself', () => {
    expect(problems('')).toEqual(['inventory.yaml: the file holds no inventory']);
    expect(problems('machines: [\n')).toEqual([expect.stringMatching(/^inventory\.yaml:2:1: /)]);
    expect(problems('kind: Inventory\nmachines: []\n')).toEqual(['inventory.yaml:1: apiVersion: not set']);
    expect(problems(`${header + controlPlane}---\n${header}${controlPlane}`)).toEqual([
      'inventory.yaml:9: a second document: an inventory file holds one inventory',
    ]);
    expect(problems(`apiVersion: v1\nkind: Inventory\nmachines:\n${controlPlane}`)).toEqual([
      'inventory.yaml:1: apiVersion: must be kubelab.dev/v1alpha1, got "v1"',
    ]);
    expect(problems(`apiVersion: kubelab.dev/v1alpha1\nkind: Pod\nmachines:\n${controlPlane}`)).toEqual([
      'inventory.yaml:2: kind: must be Inventory, got "Pod"',
    ]);
    expect(problems(`${header + controlPlane}workers: 2\n`)).toEqual([
      'inventory.yaml:8: workers: unknown field',
    ]);
  });

  it('refuses alias bombs before expanding them (the bounded manifest reader)', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      ...Array.from({ length: 8 }, (_, i) => {
        const me = String.fromCharCode(98 + i);
        const prev = String.fromCharCode(97 + i);
        return `${me}: &${me} [${Array(10).fill(`*${prev}`).join(',')}]`;
      }),
    ].join('\n');
    expect(problems(bomb)[0]).toMatch(/^inventory\.yaml:\d+: (more than 100 aliases|aliases expand)/);
  });

  it('the machines list', () => {
    expect(problems(header)).toEqual(['inventory.yaml:3: machines: must be a list, got nothing (null)']);
    expect(problems(`${header.replace('machines:\n', '')}`)).toEqual(['inventory.yaml:1: machines: not set']);
    expect(problems(`${header.replace('machines:\n', 'machines: []\n')}`)).toEqual([
      'inventory.yaml:3: machines: the list is empty',
    ]);
    expect(problems(`${header}  - cp\n`)).toEqual([
      'inventory.yaml:4: machines[0]: must be a mapping, got a string',
    ]);
  });

  it("a machine's fields", () => {
    const machine = (fields: string) =>
      problems(`${header + controlPlane}  - ${fields.trim().split('\n').join('\n    ')}\n`);
    const ok = { name: 'w1', address: '10.0.0.11', key: '~/.ssh/id_ed25519', role: 'worker' };
    const worker = (changes: Record<string, string | undefined>) =>
      machine(
        Object.entries({ ...ok, ...changes })
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
    // The worker starts on line 8: name 8, address 9, key 10, role 11, then any extra field.
    expect(worker({ name: undefined })).toEqual(['inventory.yaml:8: machines[1].name: not set']);
    expect(worker({ name: 'Worker_1' })).toEqual([
      expect.stringMatching(/^inventory\.yaml:8: machines\[1\]\.name: "Worker_1" is not a valid node name: /),
    ]);
    expect(worker({ name: '7' })).toEqual(['inventory.yaml:8: machines[1].name: must be text, got a number']);
    expect(worker({ address: 'worker1.lan' })).toEqual([
      'inventory.yaml:9: machines[1].address: "worker1.lan" is not an IPv4 address',
    ]);
    expect(worker({ address: '"fd00::11"' })).toEqual([
      'inventory.yaml:9: machines[1].address: "fd00::11" is not an IPv4 address',
    ]);
    expect(worker({ address: '127.0.0.1' })).toEqual([
      'inventory.yaml:9: machines[1].address: 127.0.0.1 is not an address other machines can reach',
    ]);
    expect(worker({ key: '~/.ssh/id_rsa' })).toEqual([
      `inventory.yaml:10: machines[1].key: no key file at ${join(home, '.ssh', 'id_rsa')}`,
    ]);
    expect(worker({ key: 'keys' })).toEqual([`inventory.yaml:10: machines[1].key: no key file at keys`]);
    expect(worker({ key: '~ops/.ssh/id_ed25519' })).toEqual([
      'inventory.yaml:10: machines[1].key: "~ops/.ssh/id_ed25519": ~user paths are not supported',
    ]);
    expect(worker({ key: undefined })).toEqual(['inventory.yaml:8: machines[1].key: not set']);
    expect(worker({ role: 'master' })).toEqual([
      'inventory.yaml:11: machines[1].role: must be control-plane or worker, got "master"',
    ]);
    expect(worker({ role: undefined })).toEqual(['inventory.yaml:8: machines[1].role: not set']);
    expect(worker({ port: '"22"' })).toEqual([
      'inventory.yaml:12: machines[1].port: must be a port number from 1 to 65535, got "22"',
    ]);
    expect(worker({ port: '70000' })).toEqual([
      'inventory.yaml:12: machines[1].port: must be a port number from 1 to 65535, got 70000',
    ]);
    expect(worker({ user: '"ops; reboot"' })).toEqual([
      'inventory.yaml:12: machines[1].user: "ops; reboot" is not a user name',
    ]);
    expect(worker({ password: 'hunter2' })).toEqual([
      'inventory.yaml:12: machines[1].password: unknown field',
    ]);
  });

  it('what only the whole list shows', () => {
    const second = (name: string, address: string, role = 'worker') =>
      `  - name: ${name}\n    address: ${address}\n    key: ~/.ssh/id_ed25519\n    role: ${role}\n`;
    expect(problems(header + controlPlane + second('cp', '10.0.0.11'))).toEqual([
      'inventory.yaml:8: machines[1].name: cp is also the name of the machine on line 4',
    ]);
    expect(problems(header + controlPlane + second('w1', '10.0.0.10'))).toEqual([
      'inventory.yaml:9: machines[1].address: 10.0.0.10 is also the address of the machine on line 4',
    ]);
    expect(problems(header + controlPlane + second('cp2', '10.0.0.11', 'control-plane'))).toEqual([
      'inventory.yaml:11: machines[1].role: a second control-plane machine (the first is cp, line 4)',
    ]);
    expect(problems(header + second('w1', '10.0.0.11') + second('w2', '10.0.0.12'))).toEqual([
      'inventory.yaml:3: machines: no machine has role: control-plane',
    ]);
    // A machine with a problem of its own still counts for duplicates, at its own index.
    const brokenFirst = `${header}  - name: w0\n    address: 10.0.0.9\n    key: ~/nope\n    role: worker\n`;
    expect(problems(brokenFirst + controlPlane + second('w0', '10.0.0.9'))).toEqual([
      `inventory.yaml:6: machines[0].key: no key file at ${join(home, 'nope')}`,
      'inventory.yaml:12: machines[2].name: w0 is also the name of the machine on line 4',
      'inventory.yaml:13: machines[2].address: 10.0.0.9 is also the address of the machine on line 4',
    ]);
    // Whether one is the control plane cannot be known while its role is unreadable.
    expect(problems(`${header}  - name: w0\n    address: 10.0.0.9\n    key: ~/.ssh/id_ed25519\n`)).toEqual([
      'inventory.yaml:4: machines[0].role: not set',
    ]);
  });

  it('reports every problem at once, each with what to do', () => {
    const text = `${header}  - name: cp\n    address: nowhere\n    role: boss\n`;
    expect(problems(text)).toEqual([
      'inventory.yaml:5: machines[0].address: "nowhere" is not an IPv4 address',
      'inventory.yaml:4: machines[0].key: not set',
      'inventory.yaml:6: machines[0].role: must be control-plane or worker, got "boss"',
    ]);
    try {
      read(text);
    } catch (e) {
      expect((e as Error).message).toContain(
        `${source}:4: machines[0].key: not set\n  Write the path of the private key that logs in to the machine, e.g. key: ~/.ssh/id_ed25519.`,
      );
    }
  });
});

describe('inventory files and plans', () => {
  it('loadInventory reads the file, resolving keys from its folder', async () => {
    writeFileSync(
      source,
      `${header}  - name: cp\n    address: 10.0.0.10\n    key: keys/lab-worker2\n    role: control-plane\n`,
    );
    const inventory = await loadInventory(source);
    expect(inventory.machines[0]!.key).toBe(join(here, 'keys', 'lab-worker2'));
    await expect(loadInventory(join(here, 'missing.yaml'))).rejects.toThrow(
      /^cannot read the inventory .*missing\.yaml: ENOENT.* \(see examples\/inventory\.yaml\)$/,
    );
  });

  it('resolveKeyPath', () => {
    expect(resolveKeyPath('~', '/inv', '/home/a')).toBe('/home/a');
    expect(resolveKeyPath('~/.ssh/k', '/inv', '/home/a')).toBe('/home/a/.ssh/k');
    expect(resolveKeyPath('../k', '/inv/dir', '/home/a')).toBe('/inv/k');
    expect(resolveKeyPath('/abs/k', '/inv', '/home/a')).toBe('/abs/k');
    expect(resolveKeyPath('~bob/k', '/inv', '/home/a')).toBeUndefined();
  });

  it('plans the control plane first, the workers in file order, and reaches each at its address', () => {
    const key = join(home, '.ssh', 'id_ed25519');
    const inventory = read(
      `${header}  - {name: w2, address: 10.0.0.12, key: ~/.ssh/id_ed25519, role: worker}\n` +
        `  - {name: cp, address: 10.0.0.10, user: debian, port: 2200, key: ~/.ssh/id_ed25519, role: control-plane}\n` +
        `  - {name: w1, address: 10.0.0.11, key: ~/.ssh/id_ed25519, role: worker}\n`,
    );
    const sshKey = { privateKeyPath: '/c/id_ed25519', publicKey: 'ssh-ed25519 AAAA' };
    expect(inventoryPlan('lab', inventory, sshKey)).toEqual({
      cluster: 'lab',
      machines: [
        { name: 'cp', role: 'control-plane' },
        { name: 'w2', role: 'worker' },
        { name: 'w1', role: 'worker' },
      ],
      sshKey,
    });
    expect(inventoryMachineEndpoint(inventory.machines[1]!)).toEqual({
      name: 'cp',
      role: 'control-plane',
      address: '10.0.0.10',
      ssh: { address: '10.0.0.10', port: 2200, user: 'debian', privateKeyPath: key },
    });
  });
});
