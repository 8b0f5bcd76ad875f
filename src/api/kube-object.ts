// Every API object has this much in common: a type and standard metadata. Code that works on
// any kind (caches, owner references, printers) takes a KubeObject.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}
