import { describe, expect, it } from 'vitest';
import { authorizedKeyKernelArgument } from '../../src/images/node-authorized-key.js';
import { kernelCommandLine, qemuArgs } from '../../src/provision/providers/qemu-command-line.js';
import type { QemuMachineFiles, QemuVmState } from '../../src/provision/providers/qemu-vm-state.js';

const publicKey =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOljnzXTeMRTG+9DJvjPQC6i8nrD9by7XbYOydGOjAPl kubelab-lab';

const worker: QemuVmState = {
  version: 1,
  cluster: 'lab',
  machine: 'lab-worker',
  role: 'worker',
  image: {
    recipeHash: 'abc',
    disk: '/cache/disk.img',
    kernel: '/cache/vmlinuz',
    initrd: '/cache/initrd.img',
  },
  cpus: 1,
  memoryMiB: 1536,
  sshPort: 40022,
  segment: {
    multicast: '239.255.1.2:21000',
    hostIndex: 11,
    address: '10.201.37.11',
    mac: '52:54:00:c9:25:0b',
  },
  natMac: '52:54:01:c9:25:0b',
  publicKey,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const controlPlane: QemuVmState = {
  ...worker,
  machine: 'lab-control-plane',
  role: 'control-plane',
  apiPort: 40443,
  segment: { ...worker.segment, hostIndex: 10, address: '10.201.37.10', mac: '52:54:00:c9:25:0a' },
};
const files: QemuMachineFiles = {
  dir: '/home/k/clusters/lab/qemu/lab-worker',
  state: '/home/k/clusters/lab/qemu/lab-worker/state.json',
  overlay: '/home/k/clusters/lab/qemu/lab-worker/disk.qcow2',
  serialLog: '/home/k/clusters/lab/qemu/lab-worker/console.log',
  qmpSocket: '/home/k/clusters/lab/qemu/lab-worker/qmp.sock',
  pidFile: '/home/k/clusters/lab/qemu/lab-worker/qemu.pid',
};

/** The value following each occurrence of `flag`. */
const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('kernelCommandLine', () => {
  it('names the machine, sets its segment address on eth1 without a gateway, and carries the key', () => {
    expect(kernelCommandLine(worker).split(' ')).toEqual([
      'root=/dev/vda',
      'console=ttyS0',
      'apparmor=0',
      'systemd.hostname=lab-worker',
      'ip=10.201.37.11:::255.255.255.0::eth1:off',
      authorizedKeyKernelArgument(publicKey),
    ]);
  });
});

describe('qemuArgs', () => {
  it('boots the overlay with the image kernel, daemonized, with console, QMP and pid file in its folder', () => {
    const args = qemuArgs(worker, files, 'tcg');
    expect(values(args, '-accel')).toEqual(['tcg']);
    expect(values(args, '-cpu')).toEqual([]);
    expect(values(args, '-smp')).toEqual(['1']);
    expect(values(args, '-m')).toEqual(['1536']);
    expect(values(args, '-kernel')).toEqual(['/cache/vmlinuz']);
    expect(values(args, '-initrd')).toEqual(['/cache/initrd.img']);
    expect(values(args, '-append')).toEqual([kernelCommandLine(worker)]);
    expect(values(args, '-drive')).toEqual([
      'file=/home/k/clusters/lab/qemu/lab-worker/disk.qcow2,if=none,id=root,format=qcow2,discard=unmap',
    ]);
    expect(values(args, '-chardev')).toEqual([
      'file,id=console,path=/home/k/clusters/lab/qemu/lab-worker/console.log,append=on',
      'socket,id=qmp,path=/home/k/clusters/lab/qemu/lab-worker/qmp.sock,server=on,wait=off',
    ]);
    expect(values(args, '-mon')).toEqual(['chardev=qmp,mode=control']);
    expect(values(args, '-pidfile')).toEqual([files.pidFile]);
    expect(args).toContain('-daemonize');
    expect(args).toContain('-nodefaults');
  });

  it('puts eth0 (user-mode, SSH forward) and eth1 (the segment) in fixed slots with fixed MACs', () => {
    const args = qemuArgs(worker, files, 'tcg');
    expect(values(args, '-netdev')).toEqual([
      'user,id=nat,hostfwd=tcp:127.0.0.1:40022-:22',
      'socket,id=segment,mcast=239.255.1.2:21000,localaddr=127.0.0.1',
    ]);
    expect(values(args, '-device').filter((d) => d?.startsWith('virtio-net-pci'))).toEqual([
      'virtio-net-pci,netdev=nat,mac=52:54:01:c9:25:0b,addr=0x3',
      'virtio-net-pci,netdev=segment,mac=52:54:00:c9:25:0b,addr=0x4',
    ]);
  });

  it('forwards the API server port on the control plane only', () => {
    expect(values(qemuArgs(controlPlane, files, 'tcg'), '-netdev')[0]).toBe(
      'user,id=nat,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40443-:6443',
    );
  });

  it("uses the host's CPU under KVM", () => {
    const args = qemuArgs(worker, files, 'kvm');
    expect(values(args, '-accel')).toEqual(['kvm']);
    expect(values(args, '-cpu')).toEqual(['host']);
  });

  it('doubles commas in paths, which would otherwise end an option value', () => {
    const odd = { ...files, overlay: '/home/a,b/disk.qcow2' };
    expect(values(qemuArgs(worker, odd, 'tcg'), '-drive')[0]).toMatch(
      /^file=\/home\/a,,b\/disk\.qcow2,if=none/,
    );
  });
});
