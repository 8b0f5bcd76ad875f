// A real in-process API server with a ControllerManager running the controllers under test, on
// a FakeClock the test steps: a deadline, a back-off or a minReadySeconds is reached by
// advancing the clock, never by waiting. With `nodes`, real SIMULATED node agents
// (SimNodeHost: NodeAgent + the sim runtime, on the same clock) run the pods and the real
// scheduler binds them, so no test plays the kubelet. Without nodes the test writes Node
// objects itself and nothing runs pods (a lost node, as far as the controllers can tell).
//
// settled() is how a test waits for "nothing more will happen": every informer has caught up
// with the store's current revision, every work queue is empty with nothing in progress, and
// the revision stayed put while checking. Assertions that something does NOT happen come after it.
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { SimNodeHost, type SimNodeHostOptions } from '../../src/agent/hosts/sim-node-host.js';
import type { KubeObject } from '../../src/api/kube-object.js';
import { profiles } from '../../src/api/profiles.js';
import { resources } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import { FakeClock } from '../../src/client/clock.js';
import type { Controller } from '../../src/client/controller.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { type Informer, InformerFactory } from '../../src/client/informer.js';
import { ApiClient, type ResourceClient } from '../../src/client/rest-client.js';
import type { WorkQueue } from '../../src/client/workqueue.js';
import type { ControllerFactory } from '../../src/controllers/context.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startTestServer, type TestServer } from './test-server.js';
import { untilSettled } from './until.js';

export { until } from './until.js';

export interface ControllerHarness {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  clock: FakeClock;
  /** The SIMULATED nodes, when started with `nodes`. */
  nodes?: SimNodeHost;
  /** A client for `kind` (e.g. 'Pod', 'Deployment') in `namespace` (default "default"). */
  api<T extends KubeObject>(kind: string, namespace?: string): ResourceClient<T>;
  /** Starts more SIMULATED nodes on the same clock (nodes joining); stopped with the harness. */
  addNodes(names: string[]): Promise<SimNodeHost>;
  /** Resolves once every component has caught up with the store and has nothing left to do. */
  settled(): Promise<void>;
  /** Waits until settled, steps the clock by `ms` (firing what falls due), and waits again. */
  advance(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  clock?: FakeClock;
  /**
   * Names of SIMULATED nodes to run, with the scheduler placing pods on them. An empty list
   * runs the scheduler with no nodes yet (pods stay Pending until addNodes).
   */
  nodes?: string[];
  /** Sim runtime timing (on the FakeClock); default: ready at start, stop at once. */
  sim?: Pick<SimNodeHostOptions, 'readyDelayMs' | 'maxStopDelayMs' | 'backoff'>;
  /** kube's ServiceAccount admission; off by default (see test-server.ts). */
  serviceAccountAdmission?: boolean;
}

/** Something the harness waits on: informers to catch up, queues to drain. */
interface Settleable {
  informers: () => Informer<KubeObject>[];
  queues: WorkQueue<string>[];
  busy?: () => boolean;
}

export async function startControllers(
  factories: ControllerFactory[],
  options: HarnessOptions = {},
): Promise<ControllerHarness> {
  const clock = options.clock ?? new FakeClock(Date.now());
  // Frequent bookmarks let an informer with nothing to report still show it reached a revision.
  const server = await startTestServer({
    bookmarkIntervalMs: 20,
    serviceAccountAdmission: options.serviceAccountAdmission,
  });
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  // The controllers and the scheduler run as their own users, as `kubelab server` runs them,
  // so every test here also proves their ClusterRoles cover what they do.
  const managerClient = ApiClient.fromKubeconfig(server.componentKubeconfigs.controllerManager);
  const schedulerClient = ApiClient.fromKubeconfig(server.componentKubeconfigs.scheduler);
  const parts: Settleable[] = [];

  let controllerInformers: InformerFactory | undefined;
  const controllerParts: Settleable = { informers: () => controllerInformers?.all() ?? [], queues: [] };
  parts.push(controllerParts);
  const watched = factories.map<ControllerFactory>((factory) => (ctx) => {
    controllerInformers = ctx.informers;
    const controller: Controller = factory(ctx);
    controllerParts.queues.push(controller.queue);
    return controller;
  });
  const manager = new ControllerManager({
    client: managerClient,
    profile: profiles.lab,
    factories: watched,
    clock,
    log: () => {},
  });
  await manager.start();

  let scheduler: Scheduler | undefined;
  let schedulerInformers: InformerFactory | undefined;
  let nodes: SimNodeHost | undefined;
  const hosts: SimNodeHost[] = [];
  const addNodes = async (nodeNames: string[]) => {
    const host = await SimNodeHost.start({
      client,
      nodeNames,
      clock,
      profile: profiles.lab,
      readyDelayMs: 0,
      maxStopDelayMs: 0,
      ...options.sim,
      log: () => {},
    });
    hosts.push(host);
    parts.push(simHostParts(host));
    return host;
  };
  if (options.nodes) {
    if (options.nodes.length) nodes = await addNodes(options.nodes);
    schedulerInformers = new InformerFactory(schedulerClient, { clock });
    const factory = schedulerInformers;
    const schedulerPart: Settleable = { informers: () => factory.all(), queues: [] };
    scheduler = new Scheduler({
      client: schedulerClient,
      informers: schedulerInformers,
      clock,
      profile: profiles.lab,
      recorder: new EventRecorder(schedulerClient, 'default-scheduler', undefined, clock),
      log: () => {},
    });
    const s = scheduler;
    schedulerPart.busy = () => !s.idle();
    parts.push(schedulerPart);
    await scheduler.start();
  }

  const settled = () =>
    untilSettled('the controllers to settle', () => ({
      revision: server.store.currentRevision(),
      busy: parts.flatMap((p) => busyIn(p, server.store.currentRevision())),
    }));

  return {
    server,
    client,
    manager,
    clock,
    nodes,
    addNodes,
    api<T extends KubeObject>(kind: string, namespace = 'default') {
      const info = resources.find((r) => r.kind === kind);
      if (!info) throw new Error(`no resource of kind ${kind}`);
      return client.resource<T>(info, info.namespaced ? namespace : undefined);
    },
    settled,
    async advance(ms: number) {
      // Settle first: a timer not yet set (a container not yet started) would miss the step.
      await settled();
      clock.step(ms);
      await settled();
    },
    async stop() {
      for (const host of hosts) await host.stop();
      await scheduler?.stop();
      schedulerInformers?.stop();
      await manager.stop();
      for (const c of [client, managerClient, schedulerClient]) c.close();
      await server.stop();
    },
  };
}

/** What is still catching up or working, as words for a timeout message. */
function busyIn(p: Settleable, revision: number): string[] {
  const busy: string[] = [];
  for (const i of p.informers())
    if (!i.hasSynced() || Number(i.state.resourceVersion) < revision)
      busy.push(`${i.info.plural} informer at ${i.state.resourceVersion || 'unsynced'}`);
  for (const q of p.queues) if (!q.idle()) busy.push('a work queue');
  if (p.busy?.()) busy.push('a scheduler or agent still working');
  return busy;
}

function simHostParts(host: SimNodeHost): Settleable {
  const { pods, nodes } = host.informers;
  const part: Settleable = { informers: () => [pods, nodes] as Informer<KubeObject>[], queues: [] };
  part.busy = () => [...host.agents.values()].some((a) => !a.syncIdle());
  return part;
}

export function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: taints.length ? { taints } : {},
  };
}

export const names = (objs: readonly KubeObject[]): string[] =>
  objs.map((o) => o.metadata?.name ?? '').sort();

/** True once GET answers NotFound. */
export async function isGone(
  client: { get(name: string): Promise<unknown> },
  name: string,
): Promise<boolean> {
  try {
    await client.get(name);
    return false;
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'NotFound') return true;
    throw e;
  }
}
