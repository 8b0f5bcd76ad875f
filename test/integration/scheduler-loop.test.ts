// The scheduler loop against a real in-process API server: Node objects written directly
// (no agents), pods created through the API, bindings, events, the PodScheduled condition and
// the explanation annotation read back through the API.
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { resourceByKind } from '../../src/api/resources.js';
import {
  type Explanation,
  explanationAnnotation,
  formatExplanation,
} from '../../src/api/scheduling-explanation.js';
import { FakeClock } from '../../src/client/clock.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { InformerFactory } from '../../src/client/informer.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startTestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const podsInfo = resourceByKind('v1', 'Pod')!;
const nodesInfo = resourceByKind('v1', 'Node')!;
const eventsInfo = resourceByKind('v1', 'Event')!;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const server = await startTestServer();
  cleanups.push(() => server.stop());
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  cleanups.push(() => client.close());
  // The scheduler runs as its own RBAC-bound user, as `kubelab server` runs it.
  const schedulerClient = ApiClient.fromKubeconfig(server.componentKubeconfigs.scheduler);
  cleanups.push(() => schedulerClient.close());
  const informers = new InformerFactory(schedulerClient);
  cleanups.push(() => informers.stop());
  const clock = new FakeClock(Date.now());
  const profile = profiles.lab;
  const scheduler = new Scheduler({
    client: schedulerClient,
    informers,
    clock,
    profile,
    recorder: new EventRecorder(schedulerClient, 'default-scheduler'),
    log: () => {},
  });
  const nodes = client.resource<Node>(nodesInfo);
  const pods = client.resource<Pod>(podsInfo, 'default');
  const addNode = async (name: string, cpu: string, unschedulable = false) => {
    const created = await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: unschedulable ? { unschedulable: true } : {},
    });
    await nodes.updateStatus({
      ...created,
      status: {
        allocatable: { cpu, memory: '4Gi', pods: '110' },
        capacity: { cpu, memory: '4Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
      },
    });
  };
  const createPod = (name: string, cpu: string, labels: Record<string, string> = {}) =>
    pods.create({
      metadata: { name, labels },
      spec: {
        containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu, memory: '64Mi' } } }],
      },
    });
  const eventsFor = async (name: string) =>
    (await client.resource<Event>(eventsInfo, 'default').list()).items.filter(
      (e) => e.involvedObject.name === name,
    );
  return { client, scheduler, clock, profile, pods, addNode, createPod, eventsFor };
}

describe('Scheduler loop', () => {
  it('binds pods by the rules, records events and explanations, and retries unschedulable pods', async () => {
    const { scheduler, clock, profile, pods, addNode, createPod, eventsFor } = await setup();
    await addNode('worker-1', '2', true);
    await addNode('worker-2', '2');
    await addNode('worker-3', '2');
    await scheduler.start();
    cleanups.push(() => scheduler.stop());
    expect(scheduler.healthy()).toBe(true);

    for (let i = 0; i < 4; i++) await createPod(`web-${i}`, '500m', { app: 'web' });
    const bound = await until('4 web pods bound', async () => {
      const items = (await pods.list()).items.filter((p) => p.spec?.nodeName);
      return items.length === 4 ? items : undefined;
    });
    // The cordoned node gets nothing; replicas spread over the other two.
    const perNode = new Map<string, number>();
    for (const p of bound) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect(Object.fromEntries(perNode)).toEqual({ 'worker-2': 2, 'worker-3': 2 });

    const web0 = bound.find((p) => p.metadata?.name === 'web-0')!;
    expect(web0.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    const explanation = JSON.parse(web0.metadata!.annotations![explanationAnnotation]!) as Explanation;
    expect(explanation).toMatchObject({
      result: 'Scheduled',
      node: web0.spec!.nodeName,
      counts: { nodes: 3, feasible: 2, filtered: 1 },
    });
    expect(explanation.nodes).toContainEqual({
      name: 'worker-1',
      filtered: { plugin: 'NodeUnschedulable', reason: 'node(s) were unschedulable' },
    });
    expect(formatExplanation(web0.metadata!.annotations![explanationAnnotation]!)).toContain(
      'worker-1   filtered',
    );
    const scheduled = await until('Scheduled event', async () =>
      (await eventsFor('web-0')).find((e) => e.reason === 'Scheduled'),
    );
    expect(scheduled).toMatchObject({
      type: 'Normal',
      message: `Successfully assigned default/web-0 to ${web0.spec!.nodeName}`,
      source: { component: 'default-scheduler' },
    });

    // Too big for every schedulable node.
    await createPod('big', '3');
    const message = '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.';
    const failed = await until('FailedScheduling event', async () =>
      (await eventsFor('big')).find((e) => e.reason === 'FailedScheduling'),
    );
    expect(failed).toMatchObject({ type: 'Warning', message });
    const pending = await until('PodScheduled=False and the explanation', async () => {
      const p = await pods.get('big');
      const ok =
        p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') &&
        p.metadata?.annotations?.[explanationAnnotation];
      return ok ? p : undefined;
    });
    expect(pending.status!.conditions!.find((c) => c.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message,
    });
    expect(JSON.parse(pending.metadata!.annotations![explanationAnnotation]!)).toMatchObject({
      result: 'Unschedulable',
      message,
    });
    expect(pending.spec?.nodeName).toBeUndefined();

    // The retry timer: another attempt, the event's count grows, the pod is not rewritten.
    clock.step(profile.unschedulableRetryMs);
    await until('a second FailedScheduling', async () =>
      (await eventsFor('big')).find((e) => e.reason === 'FailedScheduling' && e.count === 2),
    );
    expect((await pods.get('big')).metadata?.resourceVersion).toBe(pending.metadata?.resourceVersion);

    // A bigger node arrives: the pod is retried at once and lands there.
    await addNode('worker-4', '8');
    const placed = await until('big bound', async () => {
      const p = await pods.get('big');
      return p.spec?.nodeName ? p : undefined;
    });
    expect(placed.spec!.nodeName).toBe('worker-4');
    expect(JSON.parse(placed.metadata!.annotations![explanationAnnotation]!)).toMatchObject({
      result: 'Scheduled',
      node: 'worker-4',
    });
    expect(scheduler.health()).toMatchObject({
      name: 'scheduler',
      running: true,
      scheduled: 5,
      unschedulable: 0,
    });
  });

  it('leaves pods for other schedulers and pods that already have a node alone', async () => {
    const { scheduler, pods, addNode, createPod } = await setup();
    await addNode('worker-1', '2');
    await scheduler.start();
    cleanups.push(() => scheduler.stop());
    await pods.create({
      metadata: { name: 'other' },
      spec: { schedulerName: 'my-scheduler', containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    await createPod('mine', '100m');
    await until('mine bound', async () => ((await pods.get('mine')).spec?.nodeName ? true : undefined));
    const other = await pods.get('other');
    expect(other.spec?.nodeName).toBeUndefined();
    expect(other.metadata?.annotations?.[explanationAnnotation]).toBeUndefined();
  });

  it('pods/binding copies the Binding annotations onto the pod, keeping its own', async () => {
    const { client, pods, addNode } = await setup();
    await addNode('worker-1', '2');
    await pods.create({
      metadata: { name: 'p', annotations: { mine: 'kept' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    await client.request('POST', '/api/v1/namespaces/default/pods/p/binding', {
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'p', annotations: { 'example.com/why': 'because' } },
        target: { apiVersion: 'v1', kind: 'Node', name: 'worker-1' },
      },
    });
    const bound = await pods.get('p');
    expect(bound.spec?.nodeName).toBe('worker-1');
    expect(bound.metadata?.annotations).toEqual({ mine: 'kept', 'example.com/why': 'because' });
  });
});
