// kube's NodeRestriction admission: what a node may put in the objects the Node authorizer
// lets it write. Authorization sees only the path; these checks see the body:
//  - a node creates only the Node and the Lease named after itself;
//  - it may not set or change labels under node-restriction.kubernetes.io/, nor kubernetes.io /
//    k8s.io labels outside the set a kubelet sets about itself (so never node-role.kubernetes.io/*:
//    a node that could call itself control-plane could steer privileged workloads to itself);
//  - it sets taints only when it registers, never after (removing a NoSchedule taint would let
//    it attract pods it was fenced off from).
import type { Node } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../api/deep-equal.js';
import type { UserInfo } from './authn.js';
import { forbidden } from './forbidden.js';
import { nodeNameOf } from './node-authorizer.js';
import type { ApiObject } from './object-meta.js';
import type { ResourceRequest } from './request-info.js';

/** Checks a write's resulting object against its old one; throws Forbidden to refuse it. */
export type Admission = (obj: ApiObject, old: ApiObject | undefined) => void;

/** The labels a kubelet sets about itself (kube's kubeletapis.IsKubeletLabel). */
const kubeletLabels = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const kubeletLabelSuffixes = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const within = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

function forbiddenLabel(key: string): boolean {
  const ns = labelNamespace(key);
  if (within(ns, 'node-restriction.kubernetes.io')) return true;
  const kubernetesLabel = within(ns, 'kubernetes.io') || within(ns, 'k8s.io');
  const kubeletLabel = kubeletLabels.has(key) || kubeletLabelSuffixes.some((d) => within(ns, d));
  return kubernetesLabel && !kubeletLabel;
}

function modifiedLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]).sort();
}

function admitNode(
  user: UserInfo,
  info: ResourceRequest,
  node: string,
  obj: ApiObject,
  old: ApiObject | undefined,
): void {
  const name = obj.metadata.name;
  if (!old) {
    if (name !== node) throw forbidden(user, info, `node "${node}" is not allowed to modify node "${name}"`);
    const bad = modifiedLabels(obj.metadata.labels).filter(forbiddenLabel);
    if (bad.length > 0)
      throw forbidden(
        user,
        info,
        `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`,
      );
    return;
  }
  if (!deepEqual((obj as Node).spec?.taints ?? [], (old as Node).spec?.taints ?? []))
    throw forbidden(user, info, `node "${node}" is not allowed to modify taints`);
  const bad = modifiedLabels(obj.metadata.labels, old.metadata.labels).filter(forbiddenLabel);
  if (bad.length > 0) throw forbidden(user, info, `is not allowed to modify labels: ${bad.join(', ')}`);
}

/** The admission checks for this caller's write, or undefined when none apply. */
export function nodeRestriction(user: UserInfo, info: ResourceRequest): Admission | undefined {
  const node = nodeNameOf(user);
  if (node === undefined) return undefined;
  if (info.resource.plural === 'nodes') return (obj, old) => admitNode(user, info, node, obj, old);
  if (info.resource.plural === 'leases')
    return (obj) => {
      if (obj.metadata.name !== node)
        throw forbidden(user, info, 'can only access node lease with the same name as the requesting node');
    };
  return undefined;
}
