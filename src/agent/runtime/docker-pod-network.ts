// The node's pod bridge for the host-gateway network: a Docker network whose subnet is the
// node's pod CIDR, so every sandbox gets its address from the range the control plane gave
// this node and the other nodes route to. A Docker network (not dockerd's `bip`) because it
// can be made while dockerd runs: changing `bip` means restarting the engine, and with it
// every pod. Docker's own masquerading is off: host-gateway.ts decides what is NATed.
import type Docker from 'dockerode';
import { gatewayAddress } from '../pod-network.js';

export const podNetworkName = 'kubelab-pods';
export const podBridgeName = 'kubelab0';

function subnetOf(info: Docker.NetworkInspectInfo): string | undefined {
  return info.IPAM?.Config?.[0]?.Subnet;
}

/**
 * Makes the pod network exist with `podCIDR`. A network left with another range (the node was
 * deleted and got a new CIDR) is replaced when no container uses it; with containers on it,
 * that is an error the operator must see, not something to break silently.
 */
export async function ensureDockerPodNetwork(docker: Docker, podCIDR: string): Promise<void> {
  const existing = await docker
    .getNetwork(podNetworkName)
    .inspect()
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
  if (existing && subnetOf(existing) === podCIDR) return;
  if (existing) {
    const attached = Object.keys(existing.Containers ?? {}).length;
    if (attached > 0)
      throw new Error(
        `Docker network ${podNetworkName} has subnet ${subnetOf(existing)} but this node's pod CIDR is ${podCIDR}, and ${attached} container(s) still use it: remove them (docker rm -f) and restart the agent`,
      );
    await docker.getNetwork(podNetworkName).remove();
  }
  await docker.createNetwork({
    Name: podNetworkName,
    Driver: 'bridge',
    IPAM: { Config: [{ Subnet: podCIDR, Gateway: gatewayAddress(podCIDR) }] },
    Options: {
      'com.docker.network.bridge.name': podBridgeName,
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
    },
    Labels: { 'dev.kubelab.pod-network': 'host-gw' },
  });
}
