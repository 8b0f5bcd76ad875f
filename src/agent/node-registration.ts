// The agent's Node object: registration (create, or take over the existing Node after a
// restart, as the kubelet's tryRegisterWithAPIServer does) and the status it reports —
// capacity, addresses, nodeInfo and the Ready/pressure conditions with heartbeat times.
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import { simulatedNodeLabel } from '../api/node-labels.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import type { ApiClient } from '../client/rest-client.js';

export const kubeletVersion = 'v1.32.0-kubelab';

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

export interface NodeIdentity {
  name: string;
  capacity: NodeCapacity;
  internalIP: string;
  /** nodeInfo.containerRuntimeVersion, e.g. `sim://1.0`. */
  runtimeVersion: string;
  simulated: boolean;
  os?: string;
  arch?: string;
  /** nodeInfo of a real machine (uname -r, /etc/os-release PRETTY_NAME). */
  kernelVersion?: string;
  osImage?: string;
  /** Port of the agent's HTTPS endpoint (KubeletServer), published in daemonEndpoints. */
  kubeletPort?: number;
}

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  return {
    'kubernetes.io/hostname': id.name,
    'kubernetes.io/os': id.os ?? 'linux',
    'kubernetes.io/arch': id.arch ?? 'amd64',
    'beta.kubernetes.io/os': id.os ?? 'linux',
    'beta.kubernetes.io/arch': id.arch ?? 'amd64',
    ...(id.simulated ? { [simulatedNodeLabel]: 'true' } : {}),
  };
}

function nodeCondition(
  old: NodeCondition[] | undefined,
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  nowMs: number,
): NodeCondition {
  const prev = old?.find((c) => c.type === type);
  const now = rfc3339(nowMs);
  return {
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
  };
}

/**
 * The status the agent reports on every heartbeat; transition times move only on change.
 * `notReady`: why the kubelet is not ready (e.g. its container runtime is down), as the
 * Ready=False/KubeletNotReady message.
 */
export function nodeStatus(
  id: NodeIdentity,
  old: NodeStatus | undefined,
  nowMs: number,
  notReady?: string,
): NodeStatus {
  const c = old?.conditions;
  const simulated = id.simulated ? ' (SIMULATED node)' : '';
  return {
    capacity: { ...id.capacity },
    allocatable: { ...id.capacity },
    conditions: [
      nodeCondition(
        c,
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
        nowMs,
      ),
      nodeCondition(
        c,
        'DiskPressure',
        'False',
        'KubeletHasNoDiskPressure',
        'kubelet has no disk pressure',
        nowMs,
      ),
      nodeCondition(
        c,
        'PIDPressure',
        'False',
        'KubeletHasSufficientPID',
        'kubelet has sufficient PID available',
        nowMs,
      ),
      notReady
        ? nodeCondition(c, 'Ready', 'False', 'KubeletNotReady', notReady, nowMs)
        : nodeCondition(
            c,
            'Ready',
            'True',
            'KubeletReady',
            `kubelet is posting ready status${simulated}`,
            nowMs,
          ),
    ],
    addresses: [
      { type: 'InternalIP', address: id.internalIP },
      { type: 'Hostname', address: id.name },
    ],
    // Port 0 (kube's zero value) when nothing serves the endpoint: the API server then says so
    // rather than dialling a port where nothing of this node listens.
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort ?? 0 } },
    nodeInfo: {
      machineID: id.name,
      systemUUID: id.name,
      bootID: '',
      kernelVersion: id.simulated ? 'SIMULATED' : (id.kernelVersion ?? ''),
      osImage: id.simulated ? 'kubelab SIMULATED node' : (id.osImage ?? ''),
      containerRuntimeVersion: id.runtimeVersion,
      kubeletVersion,
      kubeProxyVersion: kubeletVersion,
      operatingSystem: id.os ?? 'linux',
      architecture: id.arch ?? 'amd64',
    },
  };
}

/**
 * Creates the Node, or adopts the one a previous run of this agent left (same name): its
 * labels are brought back to what the agent owns, everything else (taints, spec.podCIDR,
 * user labels) is kept. Then reports status, so the node is Ready when this resolves.
 */
export async function registerNode(client: ApiClient, id: NodeIdentity, nowMs: number): Promise<Node> {
  const nodes = client.resource<Node>(resource.nodes);
  let node: Node;
  try {
    node = await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: id.name, labels: nodeLabels(id) },
    });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    node = await nodes.patch(id.name, { metadata: { labels: nodeLabels(id) } }, 'merge');
  }
  return nodes.patch(id.name, { status: nodeStatus(id, node.status, nowMs) }, 'merge', {
    subresource: 'status',
  });
}
