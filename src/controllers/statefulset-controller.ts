// The StatefulSet controller (kube's pkg/controller/statefulset): pods with stable identities
// `<sts>-0 .. <sts>-N-1`, each with hostname = its name and subdomain = spec.serviceName (so
// `web-0.nginx` resolves), labelled statefulset.kubernetes.io/pod-name and
// apps.kubernetes.io/pod-index. OrderedReady creates ordinal i only when 0..i-1 are Running
// and Ready and removes from the highest ordinal, one at a time; Parallel does neither wait.
// There are never two pods with one identity: a pod with a deletionTimestamp (say, stuck
// Terminating on a lost node) keeps its name until it is really gone, and the replacement is
// created only then — the name itself is the lock. RollingUpdate replaces pods from the
// highest ordinal down to the partition, one at a time, each after the previous is healthy.
//
// kubelab has no ControllerRevisions or PersistentVolumeClaims yet: revisions are the
// `<sts>-<template hash>` names only (a pod recreated below the partition gets the update
// template), and volumeClaimTemplates are ignored with a Warning event.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { computeTemplateHash } from '../api/deployment-revisions.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { controllerKeyOf } from '../api/owner-references.js';
import { isPodAvailable, isPodReady } from '../api/pod-state.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { Controller } from '../client/controller.js';
import { claimObjects } from './claim-objects.js';
import type { ControllerFactory } from './context.js';
import { controllerRevisionHashLabel } from './daemonset-controller.js';
import { PodControl, podFromTemplate } from './pod-control.js';

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

/** The ordinal of `<sts>-<n>`, or undefined for a pod that is not one of this set's identities. */
export function ordinalOf(stsName: string, podName: string): number | undefined {
  const prefix = `${stsName}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function revisionOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[controllerRevisionHashLabel];
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
    if (revisionOf(pod) !== updateRevision && !pod.metadata?.deletionTimestamp) {
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

export const statefulSetController: ControllerFactory = (ctx) => {
  const statefulSets = ctx.informers.informerFor<StatefulSet>(resource.statefulSets);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const recorder = ctx.recorder('statefulset-controller');
  const podControl = new PodControl(ctx.client, recorder);
  const warnedAboutClaims = new Set<string>();

  const controller = new Controller(
    { name: 'statefulset-controller', clock: ctx.clock, workers: 2 },
    {
      async reconcile(key) {
        const sts = statefulSets.get(key);
        if (!sts) {
          warnedAboutClaims.delete(key);
          return;
        }
        const ns = sts.metadata!.namespace!;
        const name = sts.metadata!.name!;
        if (sts.spec?.volumeClaimTemplates?.length && !warnedAboutClaims.has(key)) {
          warnedAboutClaims.add(key);
          void recorder.event(
            sts,
            'Warning',
            'VolumeClaimTemplatesNotSupported',
            'kubelab has no PersistentVolumeClaims yet: spec.volumeClaimTemplates is ignored',
          );
        }
        const updateRevision = `${name}-${computeTemplateHash(sts.spec?.template, sts.status?.collisionCount)}`;
        const owned = await claimObjects(pods.byIndex('namespace', ns), {
          controller: sts,
          selector: selectorFromLabelSelector(sts.spec?.selector),
          objects: ctx.client.resource<Pod>(resource.pods, ns),
          recheck: () =>
            ctx.client
              .resource<StatefulSet>(resource.statefulSets, ns)
              .get(name)
              .catch(() => undefined),
        });
        const byOrdinal = new Map<number, Pod>();
        for (const p of owned) {
          const ordinal = ordinalOf(name, p.metadata!.name!);
          if (ordinal !== undefined) byOrdinal.set(ordinal, p);
        }

        if (!sts.metadata?.deletionTimestamp) {
          for (const action of statefulSetActions(sts, byOrdinal, updateRevision)) {
            if (action.type === 'create') {
              try {
                await podControl.createPod(statefulPodFor(sts, action.ordinal, updateRevision), sts);
              } catch (e) {
                // Our cache has not seen the pod yet, or its predecessor still holds the name.
                if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
              }
            } else {
              await podControl.deletePod(action.pod, sts);
            }
          }
        }

        // Status.
        const replicas = sts.spec?.replicas ?? 1;
        const minReadySeconds = sts.spec?.minReadySeconds ?? 0;
        const nowMs = ctx.clock.now();
        const live = [...byOrdinal.values()].filter((p) => !p.metadata?.deletionTimestamp);
        let currentRevision = sts.status?.currentRevision || updateRevision;
        const ready = live.filter(isPodReady).length;
        const updated = live.filter((p) => revisionOf(p) === updateRevision).length;
        let current = live.filter((p) => revisionOf(p) === currentRevision).length;
        // The rollout is complete when every pod is updated and ready: the update becomes current.
        if (updated === replicas && ready === replicas && live.length === replicas) {
          currentRevision = updateRevision;
          current = updated;
        }
        const status: NonNullable<StatefulSet['status']> = {
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
        if (JSON.stringify(status) !== JSON.stringify(sts.status ?? {}))
          await ctx.client.resource<StatefulSet>(resource.statefulSets, ns).updateStatus({ ...sts, status });
        if (minReadySeconds > 0 && status.availableReplicas! < ready)
          return { requeueAfterMs: minReadySeconds * 1000 };
      },
    },
  );

  controller.watch(statefulSets);
  controller.watch(pods, (p) => [controllerKeyOf(p, 'StatefulSet')]);
  return controller;
};
