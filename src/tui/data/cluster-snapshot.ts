// What one frame of the TUI is drawn from: the informers' caches copied at one instant, with
// the connection state, control-plane health, node usage and the active timing profile. A
// snapshot never changes after it is made, so React can compare snapshots by reference and
// views can derive (node cards, rollout progress) without locking anything.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/kube-object.js';
import { type Profile, profiles } from '../../api/profiles.js';
import type { ConnectionStatus } from '../../client/connection-tracker.js';
import type { NodeMetricsState } from '../../client/node-metrics.js';

// The types of a snapshot's fields that live with the client code producing them.
export type { ConnectionPhase, ConnectionStatus } from '../../client/connection-tracker.js';
export type { NodeMetricsState, ResourceAmounts } from '../../client/node-metrics.js';

export interface HealthCheck {
  name: string;
  ok: boolean;
}

/** `/readyz?verbose` as last polled. */
export interface ControlPlaneHealth {
  at: number;
  checks: HealthCheck[];
  passed: boolean;
  /** Set when the poll itself failed (unreachable, timed out); `checks` are then the last ones known. */
  error?: string;
}

export interface ClusterSnapshot {
  /** The clock's time when the snapshot was made: ages and countdowns are measured from it. */
  now: number;
  connection: ConnectionStatus;
  /** Every informer has listed at least once. */
  synced: boolean;
  profile: Profile;
  /** False when the cluster publishes no kube-system/kubelab-profile: the lab profile is assumed. */
  profilePublished: boolean;
  health?: ControlPlaneHealth;
  metrics?: NodeMetricsState;
  nodes: readonly Node[];
  pods: readonly Pod[];
  deployments: readonly Deployment[];
  replicaSets: readonly ReplicaSet[];
  services: readonly Service[];
  events: readonly Event[];
  /** Node heartbeats from kube-node-lease, by node name. */
  leases: ReadonlyMap<string, Lease>;
  /** Every watched kind's objects by plural (the kinds above included), for resource lists. */
  objects: ReadonlyMap<string, readonly KubeObject[]>;
}

export type SnapshotParts = Partial<Omit<ClusterSnapshot, 'leases' | 'objects'>> & {
  leases?: Iterable<Lease> | ReadonlyMap<string, Lease>;
  /** Other kinds (statefulsets, ingresses, ...) by plural. */
  objects?: ReadonlyMap<string, readonly KubeObject[]>;
};

/**
 * Builds a snapshot, filling what is not given with "nothing known yet". The model uses it for
 * every frame; tests and benchmarks use it to draw views from fixture objects.
 */
export function snapshotOf(parts: SnapshotParts = {}): ClusterSnapshot {
  const now = parts.now ?? 0;
  const typed = {
    nodes: parts.nodes ?? [],
    pods: parts.pods ?? [],
    deployments: parts.deployments ?? [],
    replicasets: parts.replicaSets ?? [],
    services: parts.services ?? [],
    events: parts.events ?? [],
  };
  const objects = new Map<string, readonly KubeObject[]>(parts.objects ?? []);
  for (const [plural, list] of Object.entries(typed)) if (!objects.has(plural)) objects.set(plural, list);
  const leases =
    parts.leases instanceof Map
      ? (parts.leases as ReadonlyMap<string, Lease>)
      : new Map([...((parts.leases as Iterable<Lease>) ?? [])].map((l) => [l.metadata?.name ?? '', l]));
  return {
    now,
    connection: parts.connection ?? { phase: 'connecting', since: now },
    synced: parts.synced ?? false,
    profile: parts.profile ?? profiles.lab,
    profilePublished: parts.profilePublished ?? false,
    health: parts.health,
    metrics: parts.metrics,
    nodes: typed.nodes,
    pods: typed.pods,
    deployments: typed.deployments,
    replicaSets: typed.replicasets,
    services: typed.services,
    events: typed.events,
    leases,
    objects,
  };
}
