// InterPodAffinity, the required anti-affinity half: a pod may not land in a topology domain
// (for kubernetes.io/hostname: a node) that already runs a pod matching one of its
// anti-affinity terms, nor where an existing pod's anti-affinity term matches it. The
// forbidden domains are worked out once per cycle over all nodes (kube's PreFilter), so the
// per-node check is a set lookup.
import type { PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { type Selector, selectorFromLabelSelector } from '../../api/labels.js';
import type { NodeInfo } from '../../api/node-info.js';
import type { PodInfo } from '../../api/pod-info.js';
import type { FilterPlugin } from '../framework.js';

const hostnameLabel = 'kubernetes.io/hostname';

function topologyValue(node: NodeInfo, key: string): string | undefined {
  const v = node.node.metadata?.labels?.[key];
  // Nodes registered by kubelab agents carry the hostname label; a Node written by hand may
  // not, and its name is what the label would say.
  return v ?? (key === hostnameLabel ? node.name : undefined);
}

const selectors = new WeakMap<PodAffinityTerm, Selector>();

/** Does `term`, written on a pod in `ownerNamespace`, select `candidate`? */
function termSelects(term: PodAffinityTerm, ownerNamespace: string, candidate: PodInfo): boolean {
  // An empty namespaceSelector means every namespace; otherwise the term's own list, or the
  // namespace of the pod that wrote it.
  const allNamespaces = term.namespaceSelector && Object.keys(term.namespaceSelector).length === 0;
  if (!allNamespaces) {
    const namespaces = term.namespaces?.length ? term.namespaces : [ownerNamespace];
    if (!namespaces.includes(candidate.namespace)) return false;
  }
  let selector = selectors.get(term);
  if (!selector) {
    selector = selectorFromLabelSelector(term.labelSelector);
    selectors.set(term, selector);
  }
  return selector.matches(candidate.labels);
}

function requiredTerms(p: PodInfo): PodAffinityTerm[] {
  return p.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
}

function domain(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

export const podAntiAffinity: FilterPlugin = {
  name: 'InterPodAffinity',
  prepare(pod, snapshot) {
    const own = requiredTerms(pod);
    // Domains the incoming pod refuses, and domains whose existing pods refuse it.
    const refused = new Set<string>();
    const refusing = new Set<string>();
    const keys = new Set<string>();
    for (const node of snapshot.nodesWithRequiredAntiAffinity) {
      for (const existing of node.podsWithRequiredAntiAffinity) {
        for (const term of requiredTerms(existing)) {
          if (!termSelects(term, existing.namespace, pod)) continue;
          const v = topologyValue(node, term.topologyKey);
          if (v === undefined) continue;
          refusing.add(domain(term.topologyKey, v));
          keys.add(term.topologyKey);
        }
      }
    }
    if (own.length > 0) {
      for (const node of snapshot.nodes) {
        for (const other of node.pods.values()) {
          if (other.key === pod.key) continue;
          for (const term of own) {
            if (!termSelects(term, pod.namespace, other)) continue;
            const v = topologyValue(node, term.topologyKey);
            if (v === undefined) continue;
            refused.add(domain(term.topologyKey, v));
            keys.add(term.topologyKey);
          }
        }
      }
    }
    if (refused.size === 0 && refusing.size === 0) return undefined;
    const topologyKeys = [...keys];
    return (node) => {
      for (const key of topologyKeys) {
        const v = topologyValue(node, key);
        if (v === undefined) continue;
        if (refused.has(domain(key, v))) return ["node(s) didn't match pod anti-affinity rules"];
        if (refusing.has(domain(key, v))) return ["node(s) didn't satisfy existing pods anti-affinity rules"];
      }
      return undefined;
    };
  },
};
