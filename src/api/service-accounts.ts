// Names the ServiceAccount machinery shares across parts: the API server's admission gives pods
// the `default` ServiceAccount and mounts the root CA ConfigMap; the controller manager
// creates both in every namespace.

/** The ServiceAccount a pod runs as when it names none. */
export const defaultServiceAccountName = 'default';

/** kube's rootcacertpublisher ConfigMap: the cluster CA under `ca.crt`, in every namespace. */
export const rootCAConfigMapName = 'kube-root-ca.crt';
export const rootCAKey = 'ca.crt';
