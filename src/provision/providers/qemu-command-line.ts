// The qemu-system-x86_64 command line of a kubelab machine, from its state alone: the same
// state gives the same machine at every start (disk, NICs in the same PCI slots with the same
// MACs, the same segment address), which is what lets recover bring a VM back unchanged.
import { authorizedKeyKernelArgument } from '../../images/node-authorized-key.js';
import { segmentNetmask } from './qemu-segment.js';
import type { QemuMachineFiles, QemuVmState } from './qemu-vm-state.js';

export type QemuAccelerator = 'kvm' | 'tcg';

/** The port the API server listens on inside the control-plane machine. */
export const apiServerPort = 6443;

/** QEMU ids of the NICs' backends (QMP names the segment one to partition the machine). */
export const natNetdevId = 'nat';
export const segmentNetdevId = 'segment';

/**
 * The kernel command line. The segment NIC (eth1: the image turns predictable names off, and
 * it sits in the PCI slot after eth0's) gets its static address from `ip=`, which the image's
 * systemd-network-generator turns into a networkd unit at every boot: nothing is written into
 * the VM, and the address cannot drift from the state file. No gateway: the default route
 * stays on eth0 (qemu's user-mode network), the segment is one /24.
 */
export function kernelCommandLine(state: QemuVmState): string {
  return [
    'root=/dev/vda',
    'console=ttyS0',
    // The image has no apparmor_parser, and dockerd refuses to run containers with AppArmor on.
    'apparmor=0',
    `systemd.hostname=${state.machine}`,
    `ip=${state.segment.address}:::${segmentNetmask}::eth1:off`,
    authorizedKeyKernelArgument(state.publicKey),
  ].join(' ');
}

/**
 * `-cpu`: the host's own CPU under KVM. Under TCG qemu's default model (qemu64): Node 24,
 * dockerd and the lab images run on it, and `-cpu max` (AVX2 and the rest, emulated) booted
 * ~10% slower when measured side by side.
 */
function cpuArgs(accelerator: QemuAccelerator): string[] {
  return accelerator === 'kvm' ? ['-cpu', 'host'] : [];
}

/** A file path inside a qemu option list, where a comma ends the value unless doubled. */
function optionValue(path: string): string {
  return path.replaceAll(',', ',,');
}

/** The user-mode NIC's forwards: SSH always, the API server on the control plane. */
function hostForwards(state: QemuVmState): string {
  const forwards = [`hostfwd=tcp:127.0.0.1:${state.sshPort}-:22`];
  if (state.apiPort !== undefined) forwards.push(`hostfwd=tcp:127.0.0.1:${state.apiPort}-:${apiServerPort}`);
  return forwards.join(',');
}

/**
 * Arguments for a daemonized VM: qemu forks once it has set everything up (so a bad port or
 * a locked disk is an error of the start command itself), writes its pid file, and keeps
 * running after kubelab exits. Devices are in fixed PCI slots, so eth0 and eth1 never swap.
 */
export function qemuArgs(
  state: QemuVmState,
  files: QemuMachineFiles,
  accelerator: QemuAccelerator,
): string[] {
  return [
    ...['-name', `${state.machine},process=kubelab-${state.machine}`],
    ...['-accel', accelerator, ...cpuArgs(accelerator)],
    ...['-smp', String(state.cpus), '-m', String(state.memoryMiB)],
    // No VGA, floppy, CD-ROM or default NIC: only what is listed below.
    '-nodefaults',
    ...['-display', 'none'],
    ...['-kernel', state.image.kernel, '-initrd', state.image.initrd, '-append', kernelCommandLine(state)],
    ...['-drive', `file=${optionValue(files.overlay)},if=none,id=root,format=qcow2,discard=unmap`],
    ...['-device', 'virtio-blk-pci,drive=root,addr=0x5'],
    ...['-netdev', `user,id=${natNetdevId},${hostForwards(state)}`],
    ...['-device', `virtio-net-pci,netdev=${natNetdevId},mac=${state.natMac},addr=0x3`],
    ...['-netdev', `socket,id=${segmentNetdevId},mcast=${state.segment.multicast},localaddr=127.0.0.1`],
    ...['-device', `virtio-net-pci,netdev=${segmentNetdevId},mac=${state.segment.mac},addr=0x4`],
    // The guest's entropy from the host's: first boot makes an SSH host key.
    ...['-object', 'rng-random,id=rng,filename=/dev/urandom', '-device', 'virtio-rng-pci,rng=rng,addr=0x6'],
    // The console is appended across boots: the one record of a VM that did not come up.
    ...[
      '-chardev',
      `file,id=console,path=${optionValue(files.serialLog)},append=on`,
      '-serial',
      'chardev:console',
    ],
    ...['-chardev', `socket,id=qmp,path=${optionValue(files.qmpSocket)},server=on,wait=off`],
    ...['-mon', 'chardev=qmp,mode=control'],
    ...['-pidfile', files.pidFile, '-daemonize'],
  ];
}
