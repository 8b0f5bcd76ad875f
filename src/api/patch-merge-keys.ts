// Which lists merge element by element in a strategic merge patch, and on which key.
// Kubernetes reads these from struct tags (patchMergeKey / patchStrategy); kubelab's kinds
// use this small fixed set, keyed by field name. `ports` is the one name whose key depends on
// where it sits (containerPort in a container, port in a Service). The API server applies
// such patches and `kubelab apply` computes them, so both read this one table.

export type ListStrategy = { mergeKey: string } | { primitiveSet: true };

const byField: Record<string, ListStrategy> = {
  containers: { mergeKey: 'name' },
  initContainers: { mergeKey: 'name' },
  ephemeralContainers: { mergeKey: 'name' },
  env: { mergeKey: 'name' },
  volumes: { mergeKey: 'name' },
  volumeMounts: { mergeKey: 'mountPath' },
  volumeDevices: { mergeKey: 'devicePath' },
  imagePullSecrets: { mergeKey: 'name' },
  hostAliases: { mergeKey: 'ip' },
  conditions: { mergeKey: 'type' },
  ownerReferences: { mergeKey: 'uid' },
  taints: { mergeKey: 'key' },
  topologySpreadConstraints: { mergeKey: 'topologyKey' },
  readinessGates: { mergeKey: 'conditionType' },
  schedulingGates: { mergeKey: 'name' },
  resourceClaims: { mergeKey: 'name' },
  addresses: { mergeKey: 'type' },
  finalizers: { primitiveSet: true },
};

const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** `ancestors` are the field names from the root down to (not including) `field`. */
export function listStrategy(field: string, ancestors: readonly string[]): ListStrategy | undefined {
  if (field === 'ports') {
    return { mergeKey: ancestors.some((a) => containerLists.has(a)) ? 'containerPort' : 'port' };
  }
  return byField[field];
}
