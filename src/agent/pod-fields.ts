// The downward API: a pod's own fields by the paths `fieldRef.fieldPath` names, for environment
// variables (container-env.ts) and downwardAPI volume files (pod-volumes.ts). The two accept
// different paths, as in kube: a volume may not carry status (its files outlive a status
// change), and only a volume may carry all labels or annotations at once.
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface PodFieldSources {
  pod: Pod;
  nodeName: string;
  podIP?: string;
}

/** The value at `path` for an environment variable; undefined for a path kube does not support there. */
export function envFieldValue(s: PodFieldSources, path: string): string | undefined {
  const meta = metadataFieldValue(s.pod, path);
  if (meta !== undefined) return meta;
  switch (path) {
    case 'spec.nodeName':
      return s.pod.spec?.nodeName ?? s.nodeName;
    case 'spec.serviceAccountName':
      return s.pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return s.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return s.pod.status?.hostIP ?? '';
    default:
      return undefined;
  }
}

/** The content of a downwardAPI volume file; whole label and annotation maps as `key="value"` lines. */
export function volumeFieldValue(pod: Pod, path: string): string | undefined {
  if (path === 'metadata.labels') return formatMap(pod.metadata?.labels);
  if (path === 'metadata.annotations') return formatMap(pod.metadata?.annotations);
  return metadataFieldValue(pod, path);
}

function metadataFieldValue(pod: Pod, path: string): string | undefined {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    default:
      return undefined;
  }
}

/** kubelet's fieldpath.FormatMap: sorted `key="value"` lines, values quoted as Go's %q. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}\n`)
    .join('');
}
