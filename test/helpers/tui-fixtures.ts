// Cluster objects for drawing the TUI without a server: the component tests' fixtures and the
// render benchmark's simulated clusters (nodes labelled SIMULATED, pods of a few Deployments
// spread over them, Leases, events), all at one fixed instant.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { simulatedNodeLabel } from '../../src/api/node-labels.js';
import { newControllerRef } from '../../src/api/owner-references.js';
import { rfc3339, rfc3339Micro } from '../../src/api/time.js';
import { type ClusterSnapshot, type SnapshotParts, snapshotOf } from '../../src/tui/data/cluster-snapshot.js';

/** 2026-01-01T12:00:00Z: every fixture's "now". */
export const fixtureNow = Date.parse('2026-01-01T12:00:00Z');
const ago = (ms: number) => rfc3339(fixtureNow - ms);

export interface NodeOptions {
  ready?: 'True' | 'False' | 'Unknown';
  unschedulable?: boolean;
  simulated?: boolean;
  taints?: Taint[];
  controlPlane?: boolean;
}

export function node(name: string, o: NodeOptions = {}): Node {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name };
  if (o.simulated ?? true) labels[simulatedNodeLabel] = 'true';
  if (o.controlPlane) labels['node-role.kubernetes.io/control-plane'] = '';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-node-${name}`, labels, creationTimestamp: ago(3_600_000) },
    spec: { ...(o.unschedulable ? { unschedulable: true } : {}), ...(o.taints ? { taints: o.taints } : {}) },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: o.ready ?? 'True',
          lastHeartbeatTime: ago(1000),
          lastTransitionTime: ago(3_600_000),
        },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    },
  };
}

/** A node's heartbeat Lease, last renewed `silentMs` ago. */
export function lease(nodeName: string, silentMs = 0): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: 'kube-node-lease' },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: 4,
      renewTime: rfc3339Micro(fixtureNow - silentMs),
    },
  };
}

export interface PodOptions {
  namespace?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready?: boolean;
  owner?: ReplicaSet;
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  terminating?: boolean;
  image?: string;
  annotations?: Record<string, string>;
}

export function pod(name: string, nodeName: string | undefined, o: PodOptions = {}): Pod {
  const ready = o.ready ?? (o.phase ?? 'Running') === 'Running';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-pod-${name}`,
      creationTimestamp: ago(60_000),
      labels: o.labels ?? o.owner?.spec?.selector?.matchLabels,
      annotations: o.annotations,
      ...(o.terminating ? { deletionTimestamp: ago(1000) } : {}),
      ...(o.owner
        ? {
            ownerReferences: [newControllerRef(o.owner)],
          }
        : {}),
    },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [
        {
          name: 'web',
          image: o.image ?? 'kubelab/web:1',
          resources: { requests: { cpu: o.cpu ?? '100m', memory: o.memory ?? '64Mi' } },
        },
      ],
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'web',
          image: o.image ?? 'kubelab/web:1',
          imageID: '',
          ready,
          restartCount: 0,
          started: ready,
          state: ready
            ? { running: { startedAt: ago(50_000) } }
            : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  };
}

export function deployment(
  name: string,
  o: {
    replicas?: number;
    revision?: number;
    image?: string;
    namespace?: string;
    paused?: boolean;
    status?: Deployment['status'];
  } = {},
): Deployment {
  const replicas = o.replicas ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-deploy-${name}`,
      generation: 1,
      creationTimestamp: ago(600_000),
      annotations: { 'deployment.kubernetes.io/revision': String(o.revision ?? 1) },
    },
    spec: {
      replicas,
      ...(o.paused ? { paused: true } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: o.image ?? 'kubelab/web:1' }] },
      },
    },
    status: o.status ?? {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    },
  };
}

/** A ReplicaSet of `d` with the given template image; the one matching d's template is its new one. */
export function replicaSet(
  d: Deployment,
  hash: string,
  o: { revision: number; image: string; replicas: number; ready?: number },
): ReplicaSet {
  const name = `${d.metadata!.name}-${hash}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: d.metadata!.namespace,
      uid: `uid-rs-${name}`,
      creationTimestamp: ago(600_000 - o.revision * 1000),
      annotations: { 'deployment.kubernetes.io/revision': String(o.revision) },
      labels: { app: d.metadata!.name!, 'pod-template-hash': hash },
      ownerReferences: [newControllerRef(d)],
    },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: d.metadata!.name!, 'pod-template-hash': hash } },
      template: {
        metadata: { labels: { app: d.metadata!.name!, 'pod-template-hash': hash } },
        spec: { containers: [{ name: 'web', image: o.image }] },
      },
    },
    status: {
      replicas: o.replicas,
      readyReplicas: o.ready ?? o.replicas,
      availableReplicas: o.ready ?? o.replicas,
    },
  };
}

export function event(
  reason: string,
  object: { kind: string; name: string; uid?: string; namespace?: string },
  message: string,
  agoMs = 2000,
  type = 'Normal',
): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${object.name}.${reason}.${agoMs}`,
      namespace: object.namespace ?? 'default',
      uid: `uid-ev-${object.name}-${reason}-${agoMs}`,
    },
    involvedObject: {
      kind: object.kind,
      name: object.name,
      namespace: object.namespace ?? 'default',
      uid: object.uid,
    },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: ago(agoMs),
    lastTimestamp: ago(agoMs),
    source: { component: 'kubelab-test' },
  };
}

export function fixtureSnapshot(parts: SnapshotParts): ClusterSnapshot {
  return snapshotOf({
    now: fixtureNow,
    synced: true,
    connection: { phase: 'connected', since: fixtureNow - 60_000 },
    health: {
      at: fixtureNow,
      passed: true,
      checks: ['ping', 'store', 'scheduler', 'controller-manager'].map((name) => ({ name, ok: true })),
    },
    profilePublished: true,
    ...parts,
  });
}

/**
 * A SIMULATED cluster of `nodeCount` nodes and `podCount` pods from ten Deployments spread
 * round-robin, with their Leases and a few events: what the render benchmark draws.
 */
export function simulatedCluster(nodeCount: number, podCount: number): ClusterSnapshot {
  const nodes = Array.from({ length: nodeCount }, (_, i) =>
    node(`sim-node-${String(i + 1).padStart(3, '0')}`),
  );
  const deployments = Array.from({ length: 10 }, (_, i) =>
    deployment(`app-${i}`, { replicas: Math.ceil(podCount / 10) }),
  );
  const replicaSets = deployments.map((d) =>
    replicaSet(d, 'abc12', { revision: 1, image: 'kubelab/web:1', replicas: d.spec!.replicas! }),
  );
  const pods = Array.from({ length: podCount }, (_, i) =>
    pod(`app-${i % 10}-abc12-${String(i).padStart(5, '0')}`, nodes[i % nodeCount]!.metadata!.name, {
      owner: replicaSets[i % 10],
    }),
  );
  const events = pods
    .slice(0, 50)
    .map((p, i) =>
      event(
        'Scheduled',
        { kind: 'Pod', name: p.metadata!.name! },
        `Successfully assigned default/${p.metadata!.name} to ${p.spec!.nodeName}`,
        1000 + i * 100,
      ),
    );
  return fixtureSnapshot({
    nodes,
    pods,
    deployments,
    replicaSets,
    events,
    leases: nodes.map((n) => lease(n.metadata!.name!)),
  });
}
