// The objects a pod names and a node therefore needs to run it: the edges of kube's node
// authorizer graph (pod -> secret / configmap / persistentvolumeclaim / serviceaccount). A
// node may read an object of these kinds only when a pod bound to it names it here.
import type { Container, Pod, Volume } from 'kubernetes-types/core/v1.js';

export type PodReferenceKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

function fromVolume(v: Volume, add: (kind: PodReferenceKind, name: string | undefined) => void): void {
  add('secrets', v.secret?.secretName);
  add('configmaps', v.configMap?.name);
  add('persistentvolumeclaims', v.persistentVolumeClaim?.claimName);
  // An ephemeral volume's claim is named after the pod and the volume (kube's naming).
  for (const s of v.projected?.sources ?? []) {
    add('secrets', s.secret?.name);
    add('configmaps', s.configMap?.name);
  }
  for (const ref of [
    v.cephfs?.secretRef,
    v.cinder?.secretRef,
    v.flexVolume?.secretRef,
    v.iscsi?.secretRef,
    v.rbd?.secretRef,
    v.scaleIO?.secretRef,
    v.storageos?.secretRef,
  ])
    add('secrets', ref?.name);
  add('secrets', v.azureFile?.secretName);
  add('secrets', v.csi?.nodePublishSecretRef?.name);
}

function fromContainer(c: Container, add: (kind: PodReferenceKind, name: string | undefined) => void): void {
  for (const e of c.env ?? []) {
    add('secrets', e.valueFrom?.secretKeyRef?.name);
    add('configmaps', e.valueFrom?.configMapKeyRef?.name);
  }
  for (const e of c.envFrom ?? []) {
    add('secrets', e.secretRef?.name);
    add('configmaps', e.configMapRef?.name);
  }
}

/** Every object of the four kinds this pod names, as "kind/name" keys. */
export function podReferences(pod: Pod): Set<string> {
  const refs = new Set<string>();
  const add = (kind: PodReferenceKind, name: string | undefined) => {
    if (name) refs.add(`${kind}/${name}`);
  };
  const spec = pod.spec;
  if (!spec) return refs;
  add('serviceaccounts', spec.serviceAccountName ?? spec.serviceAccount);
  for (const s of spec.imagePullSecrets ?? []) add('secrets', s.name);
  for (const v of spec.volumes ?? []) {
    fromVolume(v, add);
    if (v.ephemeral) add('persistentvolumeclaims', `${pod.metadata?.name}-${v.name}`);
  }
  for (const c of [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ])
    fromContainer(c as Container, add);
  return refs;
}
