// A qemu cluster's own network segment: the second NIC of every VM of the cluster joins one
// UDP multicast group on the host's loopback (qemu's `-netdev socket,mcast=`), which behaves
// as one Ethernet switch between them. No bridge, tap or root is needed, nothing of the host's
// network changes, and the frames never leave the host (localaddr=127.0.0.1). Each machine has
// a fixed address on it, given on the kernel command line, so a VM that is powered off and
// started again comes back with the same address.
import { createHash } from 'node:crypto';

export interface QemuSegment {
  /** The /24 the machines are numbered in, e.g. `10.201.37.0/24`. */
  subnet: string;
  /** Multicast group and UDP port the cluster's VMs share, e.g. `239.255.12.34:23456`. */
  multicast: string;
}

export const segmentPrefixLength = 24;

/** Machines are numbered from .10: .1-.9 are left for anything a lab wants to add by hand. */
export const firstHostIndex = 10;
const lastHostIndex = 254;

/**
 * The segment of a cluster, derived from a seed that names it uniquely on this host (the
 * provider uses the cluster's folder, so two KUBELAB_HOMEs with a cluster of the same name do
 * not share a segment; a shared group would join their switches).
 *
 * The /24 is taken from 10.192.0.0/11, which stays clear of qemu's user-mode network
 * (10.0.2.0/24 on every VM's first NIC), kubelab's Service range (10.96.0.0/12) and its pod
 * ranges (10.244.0.0/14): a node's addresses must not look like any of those. The multicast
 * group is in 239.255.0.0/16 (organisation-local scope).
 */
export function qemuSegment(seed: string): QemuSegment {
  const h = createHash('sha256').update(seed).digest();
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = h;
  return {
    subnet: `10.${192 + (b0 % 32)}.${b1}.0/${segmentPrefixLength}`,
    // .0 and .255 are avoided in the group's last byte only for readability; any would work.
    multicast: `239.255.${b2}.${1 + (b3 % 254)}:${20_000 + (((b4 << 8) | b5) % 10_000)}`,
  };
}

/** `10.201.37.12` for host index 12 of `10.201.37.0/24`. */
export function segmentAddress(segment: QemuSegment, hostIndex: number): string {
  if (!Number.isInteger(hostIndex) || hostIndex < 1 || hostIndex > lastHostIndex)
    throw new Error(`host index ${hostIndex} is outside 1..${lastHostIndex}`);
  return `${segment.subnet.split('.').slice(0, 3).join('.')}.${hostIndex}`;
}

/** The netmask form the kernel's `ip=` parameter takes. */
export const segmentNetmask = '255.255.255.0';

/** The lowest host index from .10 up that no machine of the cluster has yet. */
export function nextHostIndex(used: Iterable<number>): number {
  const taken = new Set(used);
  for (let i = firstHostIndex; i <= lastHostIndex; i++) if (!taken.has(i)) return i;
  throw new Error(`the cluster's segment is full: ${lastHostIndex - firstHostIndex + 1} machines at most`);
}

/**
 * A stable, locally administered MAC for a machine's NIC, from its segment address: unique on
 * the segment (the address is), and the same after a restart, so the guest's view of its NICs
 * never changes. `nic` 0 is the user-mode NIC, 1 the segment NIC.
 */
export function machineMac(segment: QemuSegment, hostIndex: number, nic: 0 | 1): string {
  const [, second = '0', third = '0'] = segment.subnet.split('.');
  const bytes = [0x52, 0x54, nic === 0 ? 0x01 : 0x00, Number(second), Number(third), hostIndex];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
