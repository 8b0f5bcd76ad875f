// A StatefulSet's pods by ordinal, pure; time is passed in: the stable identity of each
// ordinal, what to do next in kube's order (OrderedReady creates ordinal i only when 0..i-1
// are Running and Ready and removes from the highest ordinal, one at a time; Parallel does
// neither wait; RollingUpdate replaces from the highest ordinal down to the partition), and the
// status the pods add up to. A terminating pod keeps its name until it is really gone: the
// name itself is the lock that prevents two pods with one identity.
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { controllerRevisionHashLabel, revisionHashOf } from '../api/controller-revision.js';
import { computeTemplateHash } from '../api/deployment-revisions.js';
import { isPodAvailable, isPodReady } from '../api/pod-state.js';
import { podFromTemplate } from './owned-pods.js';

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

/** The ordinal of `<sts>-<n>`, or undefined for a pod that is not one of this set's identities. */
export function ordinalOf(stsName: string, podName: string): number | undefined {
  const prefix = `${stsName}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The set's pods by ordinal; pods with other names are not identities of this set. */
export function podsByOrdinal(sts: StatefulSet, owned: readonly Pod[]): Map<number, Pod> {
  const byOrdinal = new Map<number, Pod>();
  for (const p of owned) {
    const ordinal = ordinalOf(sts.metadata!.name!, p.metadata!.name!);
    if (ordinal !== undefined) byOrdinal.set(ordinal, p);
  }
  return byOrdinal;
}

/** `<sts>-<template hash>`: kubelab has no ControllerRevisions yet, only their names. */
export function updateRevisionOf(sts: StatefulSet): string {
  return `${sts.metadata?.name}-${computeTemplateHash(sts.spec?.template, sts.status?.collisionCount)}`;
}

function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** One step of kube's StatefulSet control loop: at most one thing to do, or several for Parallel. */
export type StatefulSetAction =
  | { type: 'create'; ordinal: number }
  | { type: 'delete'; pod: Pod; reason: 'failed' | 'scale-down' | 'update' };

/**
 * What to do now, given the pods by ordinal (kube's updateStatefulSet ordering):
 * replace failed pods and create missing ones (in order, waiting for each to be Running and
 * Ready under OrderedReady); then delete condemned ordinals from the highest; then, once every
 * pod is healthy, delete the highest-ordinal pod not at the update revision, down to partition.
 * A terminating pod is never replaced until it is gone.
 */
export function statefulSetActions(
  sts: StatefulSet,
  pods: ReadonlyMap<number, Pod>,
  updateRevision: string,
): StatefulSetAction[] {
  const replicas = sts.spec?.replicas ?? 1;
  const monotonic = (sts.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const actions: StatefulSetAction[] = [];
  for (let i = 0; i < replicas; i++) {
    const pod = pods.get(i);
    if (!pod) {
      actions.push({ type: 'create', ordinal: i });
      if (monotonic) return actions;
      continue;
    }
    if (pod.metadata?.deletionTimestamp) {
      if (monotonic) return actions;
      continue;
    }
    if (pod.status?.phase === 'Failed') {
      actions.push({ type: 'delete', pod, reason: 'failed' });
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && !isRunningAndReady(pod)) return actions;
  }
  const condemned = [...pods.entries()].filter(([i]) => i >= replicas).sort(([a], [b]) => b - a);
  for (const [, pod] of condemned) {
    if (pod.metadata?.deletionTimestamp) {
      if (monotonic) return actions;
      continue;
    }
    actions.push({ type: 'delete', pod, reason: 'scale-down' });
    if (monotonic) return actions;
  }
  if (actions.length > 0) return actions;
  const strategy = sts.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return actions;
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  for (let i = replicas - 1; i >= partition; i--) {
    const pod = pods.get(i);
    if (!pod) return actions;
    if (revisionHashOf(pod) !== updateRevision && !pod.metadata?.deletionTimestamp) {
      actions.push({ type: 'delete', pod, reason: 'update' });
      return actions;
    }
    if (!isRunningAndReady(pod) || pod.metadata?.deletionTimestamp) return actions;
  }
  return actions;
}

/** The pod for one ordinal: its stable name, hostname, subdomain and identity labels. */
export function statefulPodFor(sts: StatefulSet, ordinal: number, revision: string): Pod {
  const name = `${sts.metadata?.name}-${ordinal}`;
  const pod = podFromTemplate(sts.spec?.template, sts, { name });
  pod.metadata!.labels = {
    ...pod.metadata!.labels,
    [controllerRevisionHashLabel]: revision,
    [podNameLabel]: name,
    [podIndexLabel]: String(ordinal),
  };
  pod.spec!.hostname = name;
  if (sts.spec?.serviceName) pod.spec!.subdomain = sts.spec.serviceName;
  return pod;
}

/**
 * The status the pods add up to (terminating ones do not count). The rollout is complete when
 * every pod is updated and ready: the update revision then becomes the current one.
 */
export function statefulSetStatus(
  sts: StatefulSet,
  pods: ReadonlyMap<number, Pod>,
  updateRevision: string,
  nowMs: number,
): StatefulSetStatus {
  const replicas = sts.spec?.replicas ?? 1;
  const live = [...pods.values()].filter((p) => !p.metadata?.deletionTimestamp);
  let currentRevision = sts.status?.currentRevision || updateRevision;
  const ready = live.filter(isPodReady).length;
  const updated = live.filter((p) => revisionHashOf(p) === updateRevision).length;
  let current = live.filter((p) => revisionHashOf(p) === currentRevision).length;
  if (updated === replicas && ready === replicas && live.length === replicas) {
    currentRevision = updateRevision;
    current = updated;
  }
  const minReadySeconds = sts.spec?.minReadySeconds ?? 0;
  return {
    ...sts.status,
    observedGeneration: sts.metadata?.generation,
    replicas: live.length,
    readyReplicas: ready,
    availableReplicas: live.filter((p) => isPodAvailable(p, minReadySeconds, nowMs)).length,
    currentReplicas: current,
    updatedReplicas: updated,
    currentRevision,
    updateRevision,
  };
}
