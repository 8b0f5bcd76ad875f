// A node as its card shows it: condition, cordon, SIMULATED, pods bound to it, requests
// against allocatable (the scheduler's own accounting, so the gauge agrees with its
// decisions), usage when metrics.k8s.io has it, and the heartbeat. When the heartbeat stops,
// the countdowns come from the same numbers the node lifecycle controller uses: NotReady at
// last renew + nodeMonitorGracePeriod, eviction when the NoExecute taint has been there for
// the default toleration (or, before the taint, grace + toleration after the last renew).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from '../../api/node-info.js';
import { simulatedNodeLabel } from '../../api/node-labels.js';
import { nodeReadyCondition } from '../../api/node-state.js';
import { isTerminal, type PodInfo, podInfoOf } from '../../api/pod-info.js';
import type { Profile } from '../../api/profiles.js';
import { nodeRoles } from '../../api/table/node.js';
import type { ClusterSnapshot, ResourceAmounts } from './cluster-snapshot.js';

export type NodeCondition = 'Ready' | 'NotReady' | 'Unknown';

export interface Gauge {
  requested: number;
  allocatable: number;
  /** From metrics.k8s.io; undefined when the node has no usage (SIMULATED, down, no metrics API). */
  used?: number;
}

export interface NodeSilence {
  /** How long since the last Lease renewal. */
  silentMs: number;
  /** Until the node lifecycle controller marks it NotReady (<= 0: it should have, or has). */
  notReadyInMs: number;
  /** Until pods without their own toleration are evicted (<= 0: eviction is due or under way). */
  evictionInMs: number;
  /** Whether the NoExecute taint is on the node already (the countdown then runs from its timeAdded). */
  tainted: boolean;
}

export interface NodeSummary {
  name: string;
  node: Node;
  condition: NodeCondition;
  cordoned: boolean;
  simulated: boolean;
  roles: string[];
  /** Non-terminated pods bound to the node, by name. */
  pods: Pod[];
  podCapacity: number;
  cpu: Gauge;
  memory: Gauge;
  /** Since the Lease was last renewed; undefined when the node has no Lease. */
  heartbeatAgeMs?: number;
  /** Set once the heartbeat is overdue (two renew intervals). */
  silence?: NodeSilence;
}

const noExecuteTaints = new Set(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);

// Quantities are parsed once per pod version: informers replace an object on every change, so
// the object itself is the cache key and entries go away with it.
const podInfos = new WeakMap<Pod, PodInfo>();
function cachedPodInfo(pod: Pod): PodInfo {
  let info = podInfos.get(pod);
  if (!info) {
    info = podInfoOf(pod);
    podInfos.set(pod, info);
  }
  return info;
}

export function nodeCondition(node: Node): NodeCondition {
  const ready = nodeReadyCondition(node)?.status;
  return ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown';
}

function leaseRenewedAt(lease: Lease | undefined): number | undefined {
  const t = Date.parse(lease?.spec?.renewTime ?? lease?.spec?.acquireTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** The countdowns for a node whose heartbeat is overdue, else undefined. */
export function nodeSilence(
  node: Node,
  lease: Lease | undefined,
  profile: Profile,
  now: number,
): NodeSilence | undefined {
  const renewed = leaseRenewedAt(lease);
  if (renewed === undefined) return undefined;
  const silentMs = now - renewed;
  if (silentMs <= 2 * profile.leaseRenewIntervalMs) return undefined;
  const taint = node.spec?.taints?.find((t) => t.effect === 'NoExecute' && noExecuteTaints.has(t.key));
  const taintedAt = Date.parse(taint?.timeAdded ?? '');
  const tolerationMs =
    1000 *
    (taint?.key === 'node.kubernetes.io/not-ready'
      ? profile.defaultNotReadyTolerationSeconds
      : profile.defaultUnreachableTolerationSeconds);
  const notReadyAt = renewed + profile.nodeMonitorGracePeriodMs;
  const evictionAt = Number.isNaN(taintedAt) ? notReadyAt + tolerationMs : taintedAt + tolerationMs;
  return {
    silentMs,
    notReadyInMs: notReadyAt - now,
    evictionInMs: evictionAt - now,
    tainted: !Number.isNaN(taintedAt),
  };
}

function gauge(requested: number, allocatable: number, used: number | undefined): Gauge {
  return used === undefined ? { requested, allocatable } : { requested, allocatable, used };
}

/** Groups pods by the node they are bound to (non-terminated only: finished pods hold nothing). */
export function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const cached = groupings.get(pods);
  if (cached) return cached;
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || isTerminal(pod)) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  for (const list of byNode.values()) {
    // Byte order, as kubectl sorts names; localeCompare is far slower on thousands of pods.
    list.sort((a, b) => {
      const x = a.metadata?.name ?? '';
      const y = b.metadata?.name ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  groupings.set(pods, byNode);
  return byNode;
}

// Snapshots share the arrays of kinds that did not change, so a frame drawn because time
// passed (ages, countdowns) finds the grouping and every node's totals already made.
const groupings = new WeakMap<readonly Pod[], Map<string, Pod[]>>();
const loads = new WeakMap<Node, { pods: readonly Pod[]; info: NodeInfo }>();

function nodeLoad(node: Node, pods: Pod[]): NodeInfo {
  const hit = loads.get(node);
  if (hit && hit.pods.length === pods.length && hit.pods.every((p, i) => p === pods[i])) return hit.info;
  const info = NodeInfo.of(node, pods.map(cachedPodInfo));
  loads.set(node, { pods, info });
  return info;
}

export function summarizeNode(
  node: Node,
  pods: Pod[],
  lease: Lease | undefined,
  usage: ResourceAmounts | undefined,
  profile: Profile,
  now: number,
): NodeSummary {
  const info = nodeLoad(node, pods);
  const renewed = leaseRenewedAt(lease);
  return {
    name: info.name,
    node,
    condition: nodeCondition(node),
    cordoned: Boolean(node.spec?.unschedulable),
    simulated: node.metadata?.labels?.[simulatedNodeLabel] !== undefined,
    roles: nodeRoles(node),
    pods,
    podCapacity: info.allocatable.pods,
    cpu: gauge(info.requested.milliCpu, info.allocatable.milliCpu, usage?.milliCpu),
    memory: gauge(info.requested.memory, info.allocatable.memory, usage?.memory),
    heartbeatAgeMs: renewed === undefined ? undefined : Math.max(0, now - renewed),
    silence: nodeSilence(node, lease, profile, now),
  };
}

/** Every node's card, control-plane nodes first, then by name. */
export function summarizeNodes(snapshot: ClusterSnapshot): NodeSummary[] {
  const byNode = podsByNode(snapshot.pods);
  const usage = snapshot.metrics?.available ? snapshot.metrics.nodes : undefined;
  return snapshot.nodes
    .map((node) => {
      const name = node.metadata?.name ?? '';
      return summarizeNode(
        node,
        byNode.get(name) ?? [],
        snapshot.leases.get(name),
        usage?.get(name),
        snapshot.profile,
        snapshot.now,
      );
    })
    .sort(
      (a, b) =>
        Number(b.roles.includes('control-plane')) - Number(a.roles.includes('control-plane')) ||
        a.name.localeCompare(b.name),
    );
}
