// The host-gateway pod network of a node on Docker Engine, put together: once the control
// plane has given the node its pod CIDR, the pod bridge is made on it (docker-pod-network.ts),
// sandboxes are told to join it, and a one-key controller keeps the routes to every other
// node's pods and the firewall rules level-triggered from a Node informer (host-gateway.ts).
// The first sync finishes before any pod starts, so a pod's first packet already has a route.
import type { Node } from 'kubernetes-types/core/v1.js';
import { resource } from '../../api/resources.js';
import type { Clock } from '../../client/clock.js';
import { Controller } from '../../client/controller.js';
import { Informer } from '../../client/informer.js';
import type { ApiClient } from '../../client/rest-client.js';
import { HostGatewayNetwork } from '../host-gateway.js';
import type { DockerRuntime } from '../runtime/docker.js';
import { ensureDockerPodNetwork, podBridgeName, podNetworkName } from '../runtime/docker-pod-network.js';

/** Routes are checked again this often even when no Node changes (someone may flush them). */
const resyncMs = 30_000;
const routesKey = 'routes';

export class DockerHostGateway {
  private informer?: Informer<Node>;
  private controller?: Controller;

  constructor(
    private readonly o: { client: ApiClient; clock: Clock; nodeName: string; log?(message: string): void },
  ) {}

  async start(node: Node, runtime: DockerRuntime): Promise<void> {
    const podCIDR = node.spec?.podCIDR;
    if (!podCIDR)
      throw new Error(
        `pod network (host-gw): the control plane gave node ${this.o.nodeName} no pod CIDR (spec.podCIDR); is the controller manager running? (kubelab status)`,
      );
    await ensureDockerPodNetwork(runtime.docker, podCIDR);
    runtime.setPodNetwork(podNetworkName);
    const network = new HostGatewayNetwork({
      nodeName: this.o.nodeName,
      podCIDR,
      bridge: podBridgeName,
      log: this.o.log,
    });
    const informer = new Informer<Node>(this.o.client, resource.nodes, { clock: this.o.clock });
    const controller = new Controller(
      {
        name: `pod-network/${this.o.nodeName}`,
        clock: this.o.clock,
        workers: 1,
        onError: (_key, e) => this.o.log?.(`pod network: ${(e as Error).message}`),
      },
      {
        reconcile: async () => {
          await network.sync(informer.list());
          return { requeueAfterMs: resyncMs };
        },
      },
    );
    informer.addEventHandler({
      onAdd: () => controller.enqueue(routesKey),
      onUpdate: () => controller.enqueue(routesKey),
      onDelete: () => controller.enqueue(routesKey),
    });
    this.informer = informer;
    this.controller = controller;
    informer.start();
    await informer.waitForSync();
    await network.sync(informer.list());
    void controller.run();
    this.o.log?.(`pod network (host-gw): pods on ${podBridgeName} ${podCIDR}`);
  }

  stop(): void {
    this.controller?.stop();
    this.informer?.stop();
  }
}
