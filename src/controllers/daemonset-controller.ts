// The DaemonSet controller (kube's pkg/controller/daemon): one pod on every eligible node. A
// node is eligible when it matches the template's nodeSelector and required node affinity and
// every NoSchedule/NoExecute taint is tolerated — counting the tolerations kube adds to every
// daemon pod (not-ready, unreachable, unschedulable, pressure), which is why a DaemonSet runs on
// cordoned and failing nodes. Pods are pinned kube-style: a required node affinity on
// `metadata.name` replaces the template's node affinity, and the scheduler binds them. Nodes
// joining get a pod; pods of nodes that left or became ineligible are deleted. Updates are
// RollingUpdate (maxUnavailable, maxSurge) or OnDelete, by the `controller-revision-hash` label
// (a stable hash of the template).
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { computeTemplateHash } from '../api/deployment-revisions.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { nodeSelectorTermMatches } from '../api/node-selector.js';
import { controllerKeyOf } from '../api/owner-references.js';
import { isPodAvailable, isPodReady } from '../api/pod-state.js';
import { resource } from '../api/resources.js';
import { findToleration } from '../api/tolerations.js';
import { Controller } from '../client/controller.js';
import { claimObjects } from './claim-objects.js';
import type { ControllerFactory } from './context.js';
import { scaledValue } from './deployment-replicas.js';
import { ControllerExpectations, PodControl, podFromTemplate } from './pod-control.js';

export const controllerRevisionHashLabel = 'controller-revision-hash';

/** kube's AddOrUpdateDaemonPodTolerations: a daemon pod stays through node trouble it exists to handle. */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
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

export const daemonSetController: ControllerFactory = (ctx) => {
  const daemonSets = ctx.informers.informerFor<DaemonSet>(resource.daemonSets);
  const pods = ctx.informers.informerFor<Pod>(resource.pods);
  const nodes = ctx.informers.informerFor<Node>(resource.nodes);
  const podControl = new PodControl(ctx.client, ctx.recorder('daemonset-controller'));
  const expectations = new ControllerExpectations(ctx.clock);

  const controller = new Controller(
    { name: 'daemonset-controller', clock: ctx.clock, workers: 2 },
    {
      async reconcile(key) {
        const ds = daemonSets.get(key);
        if (!ds) {
          expectations.forget(key);
          return;
        }
        const ns = ds.metadata!.namespace!;
        const nowMs = ctx.clock.now();
        const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
        const hash = computeTemplateHash(ds.spec?.template, ds.status?.collisionCount);
        const owned = await claimObjects(pods.byIndex('namespace', ns), {
          controller: ds,
          selector: selectorFromLabelSelector(ds.spec?.selector),
          objects: ctx.client.resource<Pod>(resource.pods, ns),
          recheck: () =>
            ctx.client
              .resource<DaemonSet>(resource.daemonSets, ns)
              .get(ds.metadata!.name!)
              .catch(() => undefined),
        });
        const byNode = new Map<string, Pod[]>();
        for (const p of owned) {
          if (p.metadata?.deletionTimestamp) continue;
          const n = targetNodeName(p);
          if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
        }
        const isNew = (p: Pod) => p.metadata?.labels?.[controllerRevisionHashLabel] === hash;
        const available = (p: Pod) => isPodAvailable(p, minReadySeconds, nowMs);

        const toCreate: string[] = [];
        const toDelete: Pod[] = [];
        let desired = 0;
        let current = 0;
        let misscheduled = 0;
        let ready = 0;
        let availableCount = 0;
        let updated = 0;
        const eligible: { node: string; pods: Pod[] }[] = [];
        const nodeNames = new Set<string>();
        for (const node of nodes.list()) {
          const name = node.metadata!.name!;
          nodeNames.add(name);
          const here = byNode.get(name) ?? [];
          const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
          if (shouldRun) desired++;
          if (shouldRun && here.length > 0) current++;
          if (!shouldRun && here.length > 0) misscheduled++;
          if (!shouldContinueRunning) {
            toDelete.push(...here);
            continue;
          }
          // A failed daemon pod is deleted; it is recreated on the next pass.
          const failed = here.filter((p) => p.status?.phase === 'Failed');
          toDelete.push(...failed);
          const live = here.filter((p) => p.status?.phase !== 'Failed');
          if (shouldRun && live.length === 0) toCreate.push(name);
          if (!shouldRun) continue;
          eligible.push({ node: name, pods: live });
          if (live.some(isPodReady)) ready++;
          if (live.some(available)) availableCount++;
          if (live.some(isNew)) updated++;
        }
        // Pods whose node is gone.
        for (const [name, here] of byNode) if (!nodeNames.has(name)) toDelete.push(...here);

        // Rolling update over the eligible nodes.
        const strategy = ds.spec?.updateStrategy;
        if (strategy?.type !== 'OnDelete') {
          const maxSurge = scaledValue(strategy?.rollingUpdate?.maxSurge ?? 0, desired, true);
          const maxUnavailable =
            maxSurge > 0
              ? 0
              : Math.max(1, scaledValue(strategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true));
          let unavailable = eligible.filter((e) => !e.pods.some(available)).length;
          let surging = eligible.filter((e) => e.pods.length > 1).length;
          for (const e of eligible) {
            const newPods = e.pods.filter(isNew);
            const oldPods = e.pods.filter((p) => !isNew(p));
            if (oldPods.length === 0) {
              if (newPods.length > 1) toDelete.push(...newPods.slice(1));
              continue;
            }
            if (maxSurge > 0) {
              if (newPods.some(available)) toDelete.push(...oldPods);
              else if (newPods.length === 0 && (!oldPods.some(available) || surging < maxSurge)) {
                toCreate.push(e.node);
                surging++;
              }
            } else if (!oldPods.some(available)) {
              toDelete.push(...oldPods);
            } else if (unavailable < maxUnavailable) {
              toDelete.push(...oldPods);
              unavailable++;
            }
          }
        }

        if (expectations.satisfied(key) && (toCreate.length || toDelete.length)) {
          if (toCreate.length) expectations.expectCreations(key, toCreate.length);
          else
            expectations.expectDeletions(
              key,
              toDelete.map((p) => `${ns}/${p.metadata!.name}`),
            );
          const results = await Promise.allSettled([
            ...toCreate.map((n) => podControl.createPod(daemonPodFor(ds, n, hash), ds)),
            ...(toCreate.length ? [] : toDelete.map((p) => podControl.deletePod(p, ds))),
          ]);
          for (const r of results.slice(0, toCreate.length))
            if (r.status === 'rejected') expectations.creationObserved(key);
          const failure = results.find((r) => r.status === 'rejected');
          if (failure) throw failure.reason;
          if (toCreate.length && toDelete.length) controller.enqueue(key);
        }

        const status: NonNullable<DaemonSet['status']> = {
          ...ds.status,
          currentNumberScheduled: current,
          desiredNumberScheduled: desired,
          numberMisscheduled: misscheduled,
          numberReady: ready,
          numberAvailable: availableCount,
          numberUnavailable: desired - availableCount,
          updatedNumberScheduled: updated,
          observedGeneration: ds.metadata?.generation,
        };
        if (status.numberUnavailable === 0) delete status.numberUnavailable;
        if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {}))
          await ctx.client.resource<DaemonSet>(resource.daemonSets, ns).updateStatus({ ...ds, status });
        // Pods that are ready but not yet available for minReadySeconds: look again then.
        if (minReadySeconds > 0 && ready > availableCount) return { requeueAfterMs: minReadySeconds * 1000 };
      },
    },
  );

  controller.watch(daemonSets);
  controller.watch(pods, (p) => [controllerKeyOf(p, 'DaemonSet')]);
  // Any node change may change where daemons belong.
  controller.watch(nodes, () => daemonSets.keys());
  pods.addEventHandler({
    onAdd: (p) => {
      const key = controllerKeyOf(p, 'DaemonSet');
      if (key) expectations.creationObserved(key);
    },
    onUpdate: (_old, p) => {
      const key = controllerKeyOf(p, 'DaemonSet');
      if (key && p.metadata?.deletionTimestamp)
        expectations.deletionObserved(key, `${p.metadata.namespace}/${p.metadata.name}`);
    },
    onDelete: (p) => {
      const key = controllerKeyOf(p, 'DaemonSet');
      if (key) expectations.deletionObserved(key, `${p.metadata?.namespace}/${p.metadata?.name}`);
    },
  });
  return controller;
};
