// Where a DaemonSet's pods belong, pure; time is passed in. A node is eligible when it matches
// the template's nodeSelector and required node affinity and every NoSchedule/NoExecute taint
// is tolerated — counting the tolerations kube adds to every daemon pod (not-ready,
// unreachable, unschedulable, pressure), which is why a DaemonSet runs on cordoned and failing
// nodes. Pods are pinned kube-style: a required node affinity on `metadata.name` replaces the
// template's node affinity. A rolling update replaces pods node by node within maxUnavailable,
// or surges a new pod beside the old one within maxSurge.
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { controllerRevisionHashLabel } from '../api/controller-revision.js';
import { nodeSelectorTermMatches } from '../api/node-selector.js';
import { isPodAvailable, isPodReady } from '../api/pod-state.js';
import { findToleration } from '../api/tolerations.js';
import { scaledValue } from './deployment-replicas.js';
import { podFromTemplate } from './owned-pods.js';

/** kube's AddOrUpdateDaemonPodTolerations: a daemon pod stays through node trouble it exists to handle. */
function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  return [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** The template's tolerations plus the daemon ones it does not already have. */
function withDaemonTolerations(ds: DaemonSet): Toleration[] {
  const own = ds.spec?.template?.spec?.tolerations ?? [];
  const extra = daemonPodTolerations(ds.spec?.template?.spec?.hostNetwork === true).filter(
    (d) => !own.some((o) => o.key === d.key && o.effect === d.effect),
  );
  return [...own, ...extra];
}

/**
 * kube's NodeShouldRunDaemonPod: `shouldRun` (a pod should be placed here) and
 * `shouldContinueRunning` (an existing pod may stay: only untolerated NoExecute taints evict).
 */
export function nodeShouldRunDaemonPod(
  node: Node,
  ds: DaemonSet,
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec;
  const labels = node.metadata?.labels ?? {};
  const selectorOk = Object.entries(spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinityOk = !required || required.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node));
  if (!selectorOk || !affinityOk) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(ds);
  let shouldRun = true;
  let shouldContinueRunning = true;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (findToleration(tolerations, taint)) continue;
    shouldRun = false;
    if (taint.effect === 'NoExecute') shouldContinueRunning = false;
  }
  return { shouldRun, shouldContinueRunning };
}

/** The node a daemon pod is for: where it is bound, or where its metadata.name affinity pins it. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? [])
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** The pod for one node: the template, the revision label, daemon tolerations, pinned by node affinity. */
export function daemonPodFor(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const pod = podFromTemplate(ds.spec?.template, ds, { generateName: `${ds.metadata?.name}-` });
  pod.metadata!.labels = { ...pod.metadata!.labels, [controllerRevisionHashLabel]: hash };
  const spec = pod.spec!;
  spec.tolerations = withDaemonTolerations(ds);
  spec.affinity = {
    ...spec.affinity,
    nodeAffinity: {
      ...spec.affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
      },
    },
  };
  return pod;
}

/** The DaemonSet's status counts (kube's updateDaemonSetStatus). */
export interface DaemonCounts {
  desired: number;
  current: number;
  misscheduled: number;
  ready: number;
  available: number;
  updated: number;
}

export interface DaemonPlan {
  /** Nodes that need a pod. */
  toCreate: string[];
  toDelete: Pod[];
  counts: DaemonCounts;
}

interface EligibleNode {
  node: string;
  /** Its daemon pods that have not failed. */
  pods: Pod[];
}

/**
 * kube's podsShouldBeOnNode over every node, then the rolling update: a pod for each eligible
 * node without one; away with failed pods, pods on nodes that left, became ineligible or evict
 * them, and old pods the update may replace now. `hash` is the current template's revision.
 */
export function planDaemonPods(
  ds: DaemonSet,
  nodes: readonly Node[],
  owned: readonly Pod[],
  hash: string,
  nowMs: number,
): DaemonPlan {
  const byNode = new Map<string, Pod[]>();
  for (const p of owned) {
    if (p.metadata?.deletionTimestamp) continue;
    const n = targetNodeName(p);
    if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReadySeconds, nowMs);
  const isNew = (p: Pod) => p.metadata?.labels?.[controllerRevisionHashLabel] === hash;
  const plan: DaemonPlan = {
    toCreate: [],
    toDelete: [],
    counts: { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 },
  };
  const { counts } = plan;
  const eligible: EligibleNode[] = [];
  const nodeNames = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata!.name!;
    nodeNames.add(name);
    const here = byNode.get(name) ?? [];
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    if (shouldRun) counts.desired++;
    if (shouldRun && here.length > 0) counts.current++;
    if (!shouldRun && here.length > 0) counts.misscheduled++;
    if (!shouldContinueRunning) {
      plan.toDelete.push(...here);
      continue;
    }
    // A failed daemon pod is deleted; it is recreated on the next pass.
    plan.toDelete.push(...here.filter((p) => p.status?.phase === 'Failed'));
    const live = here.filter((p) => p.status?.phase !== 'Failed');
    if (shouldRun && live.length === 0) plan.toCreate.push(name);
    if (!shouldRun) continue;
    eligible.push({ node: name, pods: live });
    if (live.some(isPodReady)) counts.ready++;
    if (live.some(available)) counts.available++;
    if (live.some(isNew)) counts.updated++;
  }
  for (const [name, here] of byNode) if (!nodeNames.has(name)) plan.toDelete.push(...here);
  if (ds.spec?.updateStrategy?.type !== 'OnDelete')
    rollingUpdate(ds, eligible, counts.desired, isNew, available, plan);
  return plan;
}

/** kube's rollingUpdate over the eligible nodes: surge when maxSurge allows, else replace within maxUnavailable. */
function rollingUpdate(
  ds: DaemonSet,
  eligible: readonly EligibleNode[],
  desired: number,
  isNew: (p: Pod) => boolean,
  available: (p: Pod) => boolean,
  plan: DaemonPlan,
): void {
  const rolling = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(rolling?.maxSurge ?? 0, desired, true);
  const maxUnavailable =
    maxSurge > 0 ? 0 : Math.max(1, scaledValue(rolling?.maxUnavailable ?? 1, desired, true));
  let unavailable = eligible.filter((e) => !e.pods.some(available)).length;
  let surging = eligible.filter((e) => e.pods.length > 1).length;
  for (const e of eligible) {
    const newPods = e.pods.filter(isNew);
    const oldPods = e.pods.filter((p) => !isNew(p));
    if (oldPods.length === 0) {
      if (newPods.length > 1) plan.toDelete.push(...newPods.slice(1));
      continue;
    }
    if (maxSurge > 0) {
      if (newPods.some(available)) plan.toDelete.push(...oldPods);
      else if (newPods.length === 0 && (!oldPods.some(available) || surging < maxSurge)) {
        plan.toCreate.push(e.node);
        surging++;
      }
    } else if (!oldPods.some(available)) {
      plan.toDelete.push(...oldPods);
    } else if (unavailable < maxUnavailable) {
      plan.toDelete.push(...oldPods);
      unavailable++;
    }
  }
}

/** The status to write, or undefined when the DaemonSet shows it already. */
export function daemonSetStatusUpdate(ds: DaemonSet, counts: DaemonCounts): DaemonSetStatus | undefined {
  const status: DaemonSetStatus = {
    ...ds.status,
    currentNumberScheduled: counts.current,
    desiredNumberScheduled: counts.desired,
    numberMisscheduled: counts.misscheduled,
    numberReady: counts.ready,
    numberAvailable: counts.available,
    numberUnavailable: counts.desired - counts.available,
    updatedNumberScheduled: counts.updated,
    observedGeneration: ds.metadata?.generation,
  };
  if (status.numberUnavailable === 0) delete status.numberUnavailable;
  return JSON.stringify(status) === JSON.stringify(ds.status ?? {}) ? undefined : status;
}
