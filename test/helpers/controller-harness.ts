// A real in-process API server with a ControllerManager running the controllers under test.
// The test plays the parts that are not running: it creates Node objects, binds pods, and,
// as the kubelet, writes pod status (phase, Ready, podIP) and confirms deletions.
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/kube-object.js';
import { profiles } from '../../src/api/profiles.js';
import { resources } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import type { Clock } from '../../src/client/clock.js';
import { ApiClient, type ResourceClient } from '../../src/client/rest-client.js';
import type { ControllerFactory } from '../../src/controllers/context.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { startTestServer, type TestServer } from './test-server.js';

export { until } from './until.js';

export interface ControllerHarness {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  /** A client for `kind` (e.g. 'Pod', 'Deployment') in `namespace` (default "default"). */
  api<T extends KubeObject>(kind: string, namespace?: string): ResourceClient<T>;
  stop(): Promise<void>;
}

export async function startControllers(
  factories: ControllerFactory[],
  options: { clock?: Clock } = {},
): Promise<ControllerHarness> {
  const server = await startTestServer();
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  const manager = new ControllerManager({
    client,
    profile: profiles.lab,
    factories,
    clock: options.clock,
    log: () => {},
  });
  await manager.start();
  return {
    server,
    client,
    manager,
    api<T extends KubeObject>(kind: string, namespace = 'default') {
      const info = resources.find((r) => r.kind === kind);
      if (!info) throw new Error(`no resource of kind ${kind}`);
      return client.resource<T>(info, info.namespaced ? namespace : undefined);
    },
    async stop() {
      await manager.stop();
      client.close();
      await server.stop();
    },
  };
}

export function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: taints.length ? { taints } : {},
  };
}

/** What the kubelet reports: the pod running (Ready or not) with an IP. */
export async function setPodRunning(
  pods: ResourceClient<Pod>,
  name: string,
  options: { ready?: boolean; ip?: string } = {},
): Promise<Pod> {
  const pod = await pods.get(name);
  const ready = options.ready ?? true;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    { type: 'Initialized', status: 'True', lastTransitionTime: now },
    { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
    { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
  ];
  return pods.updateStatus({
    ...pod,
    status: {
      ...pod.status,
      phase: 'Running',
      conditions,
      ...(options.ip ? { podIP: options.ip, podIPs: [{ ip: options.ip }] } : {}),
      startTime: pod.status?.startTime ?? now,
    },
  });
}

/** What the kubelet reports when the pod's containers have exited. */
export async function setPodFinished(
  pods: ResourceClient<Pod>,
  name: string,
  phase: 'Succeeded' | 'Failed',
): Promise<Pod> {
  const pod = await pods.get(name);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const exitCode = phase === 'Succeeded' ? 0 : 1;
  return pods.updateStatus({
    ...pod,
    status: {
      ...pod.status,
      phase,
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode,
            reason: phase === 'Succeeded' ? 'Completed' : 'Error',
            startedAt: now,
            finishedAt: now,
          },
        },
      })),
    },
  });
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
