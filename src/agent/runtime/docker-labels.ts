// The Docker labels and names that tie a container to its pod, as dockershim named and
// labelled them: they are the agent's only memory that survives a restart of the agent, so a
// new agent finds its pods' containers (adoption) and those of pods that went away (cleanup).
export const podUidLabel = 'io.kubernetes.pod.uid';
export const podNameLabel = 'io.kubernetes.pod.name';
export const podNamespaceLabel = 'io.kubernetes.pod.namespace';
export const containerNameLabel = 'io.kubernetes.container.name';
export const restartCountLabel = 'dev.kubelab.restart-count';
/** `podsandbox` or `container` (dockershim's io.kubernetes.docker.type). */
export const containerTypeLabel = 'io.kubernetes.docker.type';
/**
 * The node whose agent made the container. Adoption and orphan cleanup look only at their
 * own node's containers, so two agents sharing one Docker Engine (a test run next to a
 * developer's node) never remove each other's pods.
 */
export const nodeNameLabel = 'dev.kubelab.node';
/** Lets an e2e test find and clean up every container it caused, and nothing else. */
export const testRunLabel = 'dev.kubelab.test-run';

/** Container name of the sandbox (dockershim's `POD`). */
export const sandboxContainerName = 'POD';

export interface PodIdentity {
  podUid: string;
  podName: string;
  namespace: string;
}

/** Docker names allow [a-zA-Z0-9_.-]; Kubernetes names already fit. */
export function dockerContainerName(pod: PodIdentity, container: string, attempt: number): string {
  return `k8s_${container}_${pod.podName}_${pod.namespace}_${pod.podUid}_${attempt}`;
}

export function podLabels(
  pod: PodIdentity,
  container: string,
  attempt: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    [podUidLabel]: pod.podUid,
    [podNameLabel]: pod.podName,
    [podNamespaceLabel]: pod.namespace,
    [containerNameLabel]: container,
    [restartCountLabel]: String(attempt),
    [containerTypeLabel]: container === sandboxContainerName ? 'podsandbox' : 'container',
  };
}
