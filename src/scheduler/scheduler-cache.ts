// The scheduler's view of the cluster (kube's scheduler cache): a NodeInfo per node holding
// the pods bound to it, fed by the pod and node informers, plus "assumed" pods — pods the
// scheduler has decided to bind but whose binding the informer has not shown yet. Counting
// assumed pods is what lets the next decision, a millisecond later, see that the node it
// just filled is fuller; without it a burst of pods would all land on the same emptiest node.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from '../api/node-info.js';
import { isTerminal, type PodInfo, podInfoOf } from '../api/pod-info.js';
import type { ClusterSnapshot } from './framework.js';

export class SchedulerCache implements ClusterSnapshot {
  private readonly infos = new Map<string, NodeInfo>();
  /** Pods bound to nodes the node informer has not delivered (yet, or any more). */
  private readonly orphans = new Map<string, Map<string, PodInfo>>();
  /** pod key -> node name, for every pod accounted anywhere. */
  private readonly podNodes = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private readonly antiAffinityNodes = new Set<NodeInfo>();
  private nodeList: NodeInfo[] | undefined;
  private antiAffinityList: NodeInfo[] | undefined;

  get nodes(): readonly NodeInfo[] {
    this.nodeList ??= [...this.infos.values()];
    return this.nodeList;
  }

  get nodesWithRequiredAntiAffinity(): readonly NodeInfo[] {
    this.antiAffinityList ??= [...this.antiAffinityNodes];
    return this.antiAffinityList;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }

  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const existing = this.infos.get(name);
    if (existing) {
      existing.setNode(node);
      return;
    }
    const info = new NodeInfo(node);
    for (const p of this.orphans.get(name)?.values() ?? []) info.addPod(p);
    this.orphans.delete(name);
    this.infos.set(name, info);
    this.nodeList = undefined;
    this.trackAntiAffinity(info);
  }

  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    // Its pods still exist until the garbage collector deletes them; keep them accounted so a
    // node that comes back under the same name is not mistaken for an empty one.
    if (info.pods.size) this.orphans.set(name, new Map(info.pods));
    this.infos.delete(name);
    this.nodeList = undefined;
    this.antiAffinityNodes.delete(info);
    this.antiAffinityList = undefined;
  }

  /** An informer add/update of a pod: bound and running pods are accounted, others dropped. */
  updatePod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    const info = podInfoOf(pod);
    if (!nodeName || isTerminal(pod)) {
      // An unbound pod may be assumed by us right now; the binding's own update will follow.
      if (!this.assumed.has(info.key)) this.removePod(info.key);
      return;
    }
    this.assumed.delete(info.key);
    this.place(info, nodeName);
  }

  removePod(key: string): void {
    const nodeName = this.podNodes.get(key);
    this.assumed.delete(key);
    if (nodeName === undefined) return;
    this.podNodes.delete(key);
    const info = this.infos.get(nodeName);
    if (info) {
      info.removePod(key);
      this.trackAntiAffinity(info);
      return;
    }
    const orphans = this.orphans.get(nodeName);
    orphans?.delete(key);
    if (orphans?.size === 0) this.orphans.delete(nodeName);
  }

  /** Accounts a pod on `nodeName` before the API has confirmed the binding. */
  assume(pod: PodInfo, nodeName: string): void {
    this.assumed.add(pod.key);
    this.place(pod, nodeName);
  }

  /** The binding failed: undo the assumption (unless the informer has confirmed the pod meanwhile). */
  forget(key: string): void {
    if (this.assumed.has(key)) this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  private place(pod: PodInfo, nodeName: string): void {
    const previous = this.podNodes.get(pod.key);
    if (previous !== undefined && previous !== nodeName) {
      const wasAssumed = this.assumed.has(pod.key);
      this.removePod(pod.key);
      if (wasAssumed) this.assumed.add(pod.key);
    }
    this.podNodes.set(pod.key, nodeName);
    const info = this.infos.get(nodeName);
    if (info) {
      info.addPod(pod);
      this.trackAntiAffinity(info);
      return;
    }
    let orphans = this.orphans.get(nodeName);
    if (!orphans) {
      orphans = new Map();
      this.orphans.set(nodeName, orphans);
    }
    orphans.set(pod.key, pod);
  }

  private trackAntiAffinity(info: NodeInfo): void {
    const has = info.podsWithRequiredAntiAffinity.size > 0;
    if (has === this.antiAffinityNodes.has(info)) return;
    if (has) this.antiAffinityNodes.add(info);
    else this.antiAffinityNodes.delete(info);
    this.antiAffinityList = undefined;
  }
}
