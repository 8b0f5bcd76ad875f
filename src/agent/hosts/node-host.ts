// What every host of node agents shares (the kubelet's pod and node sources): a pods informer
// over the pods bound to the host's nodes and a Node informer, whose events are routed to the
// NodeAgent of the node they concern. With one node the informers select only that node's
// pods and its Node, as the kubelet's do; with many (SimNodeHost) they hold all bound pods,
// indexed by spec.nodeName, and all Nodes.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../../api/resources.js';
import type { Clock } from '../../client/clock.js';
import { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/object-key.js';
import type { ApiClient } from '../../client/rest-client.js';
import type { NodeAgent } from '../node-agent.js';

export class NodeHostInformers {
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  private agents: ReadonlyMap<string, NodeAgent> = new Map();

  constructor(client: ApiClient, clock: Clock, nodeNames: readonly string[]) {
    const single = nodeNames.length === 1 ? nodeNames[0] : undefined;
    this.pods = new Informer<Pod>(client, resource.pods, {
      clock,
      fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=',
    });
    this.nodes = new Informer<Node>(client, resource.nodes, {
      clock,
      ...(single ? { fieldSelector: `metadata.name=${single}` } : {}),
    });
    this.pods.addIndexer('nodeName', (p) => [p.spec?.nodeName ?? '']);
  }

  /**
   * Routes pod and Node events to the agent of their node, starts the informers and resolves
   * once both have listed. Start the agents first, so no pod reaches an agent without a
   * runtime; the initial list then hands each agent the pods already bound to it.
   */
  async start(agents: ReadonlyMap<string, NodeAgent>): Promise<void> {
    this.agents = agents;
    const route = (pod: Pod) => agents.get(pod.spec?.nodeName ?? '')?.podChanged(objectKey(pod));
    this.pods.addEventHandler({
      onAdd: route,
      onUpdate: (old, pod) => {
        if (old.spec?.nodeName !== pod.spec?.nodeName) route(old);
        route(pod);
      },
      onDelete: route,
    });
    const nodeChanged = (n: Node) => agents.get(n.metadata?.name ?? '')?.nodeChanged(n);
    this.nodes.addEventHandler({ onAdd: nodeChanged, onUpdate: (_old, n) => nodeChanged(n) });
    this.pods.start();
    this.nodes.start();
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
  }

  /** Every pod bound to `nodeName` is news for its agent again (its runtime came back). */
  resync(nodeName: string): void {
    const agent = this.agents.get(nodeName);
    for (const pod of this.pods.byIndex('nodeName', nodeName)) agent?.podChanged(objectKey(pod));
  }

  stop(): void {
    this.pods.stop();
    this.nodes.stop();
  }
}
