// The one-line summary of why a pod fits nowhere, in kube-scheduler's exact format
// (framework.FitError.Error): every node's reasons counted, "<count> <reason>" strings
// sorted as strings, joined with ", ", closed with a period. Users paste this line into
// search engines, so it must read exactly as Kubernetes writes it.

/** kube's ErrNoNodesAvailable, for a cluster without any nodes. */
export const noNodesAvailableMessage = 'no nodes available to schedule pods';

export function fitErrorMessage(
  totalNodes: number,
  filtered: readonly { reasons: readonly string[] }[],
): string {
  if (totalNodes === 0) return noNodesAvailableMessage;
  const counts = new Map<string, number>();
  for (const f of filtered) for (const r of f.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  let message = `0/${totalNodes} nodes are available:`;
  if (histogram.length) message += ` ${histogram.join(', ')}.`;
  return message;
}
