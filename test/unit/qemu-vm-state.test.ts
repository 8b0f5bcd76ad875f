import { describe, expect, it } from 'vitest';
import { parseQemuVmState, type QemuVmState } from '../../src/provision/providers/qemu-vm-state.js';

const path = '/k/clusters/lab/qemu/lab-control-plane/state.json';
const valid: QemuVmState = {
  version: 1,
  cluster: 'lab',
  machine: 'lab-control-plane',
  role: 'control-plane',
  image: { recipeHash: 'abc', disk: '/c/disk.img', kernel: '/c/vmlinuz', initrd: '/c/initrd.img' },
  cpus: 1,
  memoryMiB: 1536,
  sshPort: 40022,
  apiPort: 40443,
  segment: {
    multicast: '239.255.1.2:21000',
    hostIndex: 10,
    address: '10.201.37.10',
    mac: '52:54:00:c9:25:0a',
  },
  natMac: '52:54:01:c9:25:0a',
  publicKey: 'ssh-ed25519 AAAA kubelab-lab',
  pid: 4242,
  accelerator: 'tcg',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
};

const withChange = (change: (s: Record<string, any>) => void): string => {
  const copy = structuredClone(valid) as Record<string, any>;
  change(copy);
  return JSON.stringify(copy);
};

describe('parseQemuVmState', () => {
  it('reads back what was written', () => {
    expect(parseQemuVmState(JSON.stringify(valid, null, 2), path)).toEqual(valid);
  });

  it('accepts a machine that was never started (no pid) and a worker without an API port', () => {
    const text = withChange((s) => {
      delete s.pid;
      delete s.accelerator;
      delete s.startedAt;
      delete s.apiPort;
      s.role = 'worker';
    });
    const state = parseQemuVmState(text, path);
    expect(state.role).toBe('worker');
    expect(state.pid).toBeUndefined();
    expect(state.apiPort).toBeUndefined();
  });

  it('names the file and the field that is wrong, and the way out', () => {
    const cases: [string, RegExp][] = [
      ['{"version": 1,', /state\.json: not JSON/],
      ['[]', /expected a JSON object/],
      [withChange((s) => (s.version = 2)), /version: expected 1, got 2/],
      [withChange((s) => (s.role = 'master')), /role: expected "control-plane" or "worker", got "master"/],
      [withChange((s) => delete s.image.kernel), /image\.kernel: expected a non-empty string/],
      [withChange((s) => (s.sshPort = 70000)), /sshPort: expected an integer from 1 to 65535, got 70000/],
      [withChange((s) => delete s.apiPort), /apiPort: a control-plane machine needs one/],
      [withChange((s) => (s.segment.address = 'ten')), /segment\.address: expected an IPv4 address/],
      [
        withChange((s) => (s.segment.multicast = '239.255.1.2')),
        /segment\.multicast: expected <group>:<port>/,
      ],
      [withChange((s) => (s.segment.hostIndex = 0)), /segment\.hostIndex: expected an integer from 1 to 254/],
      [withChange((s) => (s.natMac = '52:54')), /natMac: expected a MAC/],
      [withChange((s) => (s.accelerator = 'hvf')), /accelerator: expected "kvm" or "tcg"/],
    ];
    for (const [text, message] of cases) {
      const parse = () => parseQemuVmState(text, path);
      expect(parse).toThrow(message);
      expect(parse).toThrow(new RegExp(`^${path.replaceAll('.', '\\.')}: .*fix or delete the file`));
    }
  });
});
