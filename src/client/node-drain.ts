// Node maintenance as kubectl does it (k8s.io/kubectl/pkg/drain), shared by `kubelab
// cordon|uncordon|drain` and the TUI: cordon is spec.unschedulable; a drain evicts every pod
// on the node through pods/eviction (so disruption rules apply) except DaemonSet pods, which
// their controller would put straight back, and refuses pods no controller would recreate.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { ApiClient } from './rest-client.js';

/** Sets spec.unschedulable; returns false when the node already was in that state. */
export async function setNodeUnschedulable(
  client: ApiClient,
  name: string,
  unschedulable: boolean,
): Promise<boolean> {
  const nodes = client.resource<Node>(resource.nodes);
  const node = await nodes.get(name);
  if (Boolean(node.spec?.unschedulable) === unschedulable) return false;
  await nodes.patch(name, { spec: { unschedulable: unschedulable ? true : null } }, 'strategic');
  return true;
}

function isDaemonSetPod(pod: Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.controller && o.kind === 'DaemonSet');
}

function isFinished(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export interface DrainPlan {
  /** Everything but DaemonSet pods. */
  evict: Pod[];
  /** Left in place, with a warning. */
  daemonSetPods: Pod[];
  /** Running pods without a controller: evicting them loses them, so a drain needs --force. */
  unmanaged: Pod[];
}

export function drainPlan(podsOnNode: readonly Pod[]): DrainPlan {
  const daemonSetPods = podsOnNode.filter(isDaemonSetPod);
  return {
    evict: podsOnNode.filter((p) => !isDaemonSetPod(p)),
    daemonSetPods,
    unmanaged: podsOnNode.filter(
      (p) =>
        !isDaemonSetPod(p) &&
        !isFinished(p) &&
        !(p.metadata?.ownerReferences ?? []).some((r) => r.controller),
    ),
  };
}

export const podRef = (p: Pod): string => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** kubectl's refusal, word for word, when a drain without --force meets unmanaged pods. */
export function unmanagedPodsError(node: string, unmanaged: readonly Pod[]): Error {
  return new Error(
    `unable to drain node "${node}" due to error: cannot delete Pods that declare no controller (use --force to override): ${unmanaged
      .map(podRef)
      .join(', ')}`,
  );
}

/** POSTs a policy/v1 Eviction; a pod already gone counts as evicted. `gracePeriodSeconds` < 0: the pod's own. */
export async function evictPod(client: ApiClient, pod: Pod, gracePeriodSeconds = -1): Promise<void> {
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  try {
    await client.request('POST', client.resource(resource.pods, namespace).path(name, 'eviction'), {
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace },
        ...(gracePeriodSeconds >= 0 ? { deleteOptions: { gracePeriodSeconds } } : {}),
      },
    });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
  }
}

export async function podsOnNode(client: ApiClient, node: string): Promise<Pod[]> {
  return (await client.resource<Pod>(resource.pods).listAll({ fieldSelector: `spec.nodeName=${node}` }))
    .items;
}
