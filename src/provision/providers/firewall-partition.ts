// `kubelab node fail NODE --mode partition` for machines kubelab cannot unplug from a network
// itself (Vagrant VMs, existing hosts): the machine keeps running, with its containers, but
// its own firewall drops everything to and from the other machines of the cluster, so the
// control plane stops hearing from it and it stops hearing from the control plane. The SSH
// session this computer manages it through is left open, so `kubelab node recover` can lift
// the partition again over the same path.
//
// Two iptables chains of our own, hooked in first so no earlier ACCEPT (Docker's FORWARD
// rules, a host firewall) lets the traffic through:
//   KUBELAB-PARTITION       INPUT, OUTPUT, FORWARD: the management SSH returns to the normal
//                           rules; then traffic from or to any other machine is dropped.
//   KUBELAB-PARTITION-PODS  FORWARD only: routed traffic from or to the cluster's pod range
//                           (pods on other machines, reached through host-gateway routes whose
//                           packets carry pod addresses, not machine addresses) is dropped.
//                           Frames bridged between this machine's own pods return first, so
//                           its pods keep talking to each other, and the agent's probes (this
//                           machine's own processes: INPUT/OUTPUT) keep reaching them.
// Both scripts are idempotent: apply replaces whatever an earlier apply left (re-hooking at the
// top, where a restarted Docker Engine may have pushed its own jump above ours), and lift
// succeeds when there is nothing to lift. IPv4 only, like kubelab's pod network.
import { clusterCIDR } from '../../api/cluster-network.js';
import { parseIP } from '../../api/names.js';
import { type SshConnection, sshRun } from '../ssh/index.js';

export const partitionChain = 'KUBELAB-PARTITION';
export const partitionPodsChain = 'KUBELAB-PARTITION-PODS';

export interface PartitionSpec {
  /** The other machines' addresses (their Node InternalIPs): every packet to or from them is dropped. */
  peers: string[];
  /**
   * This computer's SSH session as the machine sees it (from `$SSH_CONNECTION`): kept working.
   * Undefined when it is IPv6, which IPv4 rules never touch anyway.
   */
  management?: { address: string; sshPort: number };
  /** The cluster's pod range (default 10.244.0.0/16). */
  podCIDR?: string;
}

const isIPv4 = (address: string): boolean => parseIP(address)?.length === 4;

// Every hook, removed as often as it is there: a second apply must not leave two jumps behind.
const unhookLines = [partitionChain, partitionPodsChain].flatMap((chain) =>
  ['INPUT', 'OUTPUT', 'FORWARD'].map(
    (hook) => `while iptables -w -D ${hook} -j ${chain} 2>/dev/null; do :; done`,
  ),
);

const requireIptables =
  "command -v iptables >/dev/null 2>&1 || { echo 'iptables is not installed on this machine: " +
  "install it (apt-get install iptables) and try again' >&2; exit 1; }";

/**
 * The shell script (run as root) that partitions the machine. The chains are filled before they
 * are hooked in, so a rule the kernel refuses leaves the machine unpartitioned, not half so.
 */
export function partitionScript(spec: PartitionSpec): string {
  const podCIDR = spec.podCIDR ?? clusterCIDR;
  for (const peer of spec.peers)
    if (!isIPv4(peer))
      throw new Error(
        `cannot partition from ${JSON.stringify(peer)}: only IPv4 machine addresses are supported`,
      );
  if (spec.management && !isIPv4(spec.management.address))
    throw new Error(`management address ${JSON.stringify(spec.management.address)} is not IPv4`);
  const peers = [...new Set(spec.peers)];
  const add = (chain: string, rule: string) => `iptables -w -A ${chain} ${rule}`;
  const management = spec.management
    ? [
        add(
          partitionChain,
          `-p tcp -s ${spec.management.address} --dport ${spec.management.sshPort} -j RETURN`,
        ),
        add(
          partitionChain,
          `-p tcp -d ${spec.management.address} --sport ${spec.management.sshPort} -j RETURN`,
        ),
      ]
    : [];
  return [
    'set -e',
    requireIptables,
    ...unhookLines,
    ...[partitionChain, partitionPodsChain].map(
      (chain) => `iptables -w -N ${chain} 2>/dev/null || iptables -w -F ${chain}`,
    ),
    ...management,
    ...peers.flatMap((peer) => [
      add(partitionChain, `-s ${peer} -j DROP`),
      add(partitionChain, `-d ${peer} -j DROP`),
    ]),
    add(partitionPodsChain, '-m physdev --physdev-is-bridged -j RETURN'),
    add(partitionPodsChain, `-s ${podCIDR} -j DROP`),
    add(partitionPodsChain, `-d ${podCIDR} -j DROP`),
    `iptables -w -I INPUT 1 -j ${partitionChain}`,
    `iptables -w -I OUTPUT 1 -j ${partitionChain}`,
    // Inserted in reverse: the peers chain ends up first, the pod range second.
    `iptables -w -I FORWARD 1 -j ${partitionPodsChain}`,
    `iptables -w -I FORWARD 1 -j ${partitionChain}`,
    '',
  ].join('\n');
}

/** The shell script (run as root) that lifts the partition; does nothing when there is none. */
export function liftPartitionScript(): string {
  return [
    'set -e',
    requireIptables,
    ...unhookLines,
    ...[partitionChain, partitionPodsChain].map(
      (chain) => `if iptables -w -F ${chain} 2>/dev/null; then iptables -w -X ${chain}; fi`,
    ),
    '',
  ].join('\n');
}

/**
 * This computer as the machine sees it, from sshd's `$SSH_CONNECTION`
 * (`<client address> <client port> <server address> <server port>`).
 */
export function parseSshConnection(value: string): { address: string; sshPort: number } {
  const [address, , , port] = value.trim().split(/\s+/);
  const sshPort = Number(port);
  if (!address || !parseIP(address) || !Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535)
    throw new Error(
      `cannot tell this computer's SSH session from $SSH_CONNECTION (${JSON.stringify(value.trim())}): ` +
        'the partition would cut it off too',
    );
  return { address, sshPort };
}

/** Partitions the machine at the other end of `connection` from `peers` (needs root or passwordless sudo). */
export async function applyPartition(
  connection: SshConnection,
  peers: string[],
  podCIDR: string = clusterCIDR,
): Promise<void> {
  // Read as the login user: sudo's env_reset would drop the variable.
  const session = await sshRun(connection, 'printf "%s" "$SSH_CONNECTION"', {
    step: "find this computer's SSH session",
    timeoutMs: 30_000,
  });
  const { address, sshPort } = parseSshConnection(session.stdout);
  const spec: PartitionSpec = { peers, podCIDR };
  if (isIPv4(address)) spec.management = { address, sshPort };
  await sshRun(connection, partitionScript(spec), {
    asRoot: true,
    step: `partition from ${peers.join(', ')} (iptables chain ${partitionChain})`,
    timeoutMs: 60_000,
  });
}

/** Lifts the partition (idempotent). */
export async function liftPartition(connection: SshConnection): Promise<void> {
  await sshRun(connection, liftPartitionScript(), {
    asRoot: true,
    step: `lift the partition (iptables chain ${partitionChain})`,
    timeoutMs: 60_000,
  });
}
