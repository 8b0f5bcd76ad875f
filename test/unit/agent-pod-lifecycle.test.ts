// The pod sync loop as a runner of lifecycle hooks, and one step alone, on the SIMULATED
// runtime and a FakeClock. The API server is a real in-process one: the loop writes pod status
// and finishes deletions through it, and steps record events on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { restartStep } from '../../src/agent/lifecycle/restart.js';
import { stopStep } from '../../src/agent/lifecycle/stop.js';
import type { ContainerRecord, PodRecord } from '../../src/agent/pod-record.js';
import type { ContainerStepContext, PodStep } from '../../src/agent/pod-step.js';
import { PodSync, podLifecycle } from '../../src/agent/pod-sync.js';
import { RestartBackOff } from '../../src/agent/restart-backoff.js';
import { SimRuntime } from '../../src/agent/runtime/sim.js';
import type { KubeObject } from '../../src/api/kube-object.js';
import { resource } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import { type ApiServer, startApiServer } from '../../src/apiserver/server.js';
import { FakeClock } from '../../src/client/clock.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { ApiClient } from '../../src/client/rest-client.js';

const nodeName = 'node-1';
let server: ApiServer;
let dataDir: string;
let client: ApiClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kubelab-agent-lifecycle-'));
  // No controller manager makes the default ServiceAccount here: admission for it is off, as in test-server.ts.
  server = await startApiServer({ host: '127.0.0.1', port: 0, dataDir, serviceAccountAdmission: false });
  client = ApiClient.fromKubeconfig(server.adminKubeconfigPath);
});

afterAll(async () => {
  client.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The real recorder, which also keeps `reason: message` of what it was asked to record. */
class KeptEvents extends EventRecorder {
  readonly kept: string[] = [];
  override event(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    this.kept.push(`${reason}: ${message}`);
    return super.event(obj, type, reason, message);
  }
}

const hookNames = ['restore', 'update', 'prestart', 'start', 'exited', 'poststart', 'stop', 'kill'] as const;

/** The steps, each hook noting `hook step [container]` in `calls` before it runs. */
function traced(steps: readonly PodStep[], calls: string[]): PodStep[] {
  return steps.map((step) => {
    const t: Record<string, unknown> = { name: step.name };
    for (const h of hookNames) {
      const run = step[h] as ((...args: any[]) => Promise<unknown>) | undefined;
      if (!run) continue;
      t[h] = (...args: any[]) => {
        calls.push([h, step.name, h === 'kill' ? undefined : args[0].spec?.name].filter(Boolean).join(' '));
        return run(...args);
      };
    }
    return t as unknown as PodStep;
  });
}

function podsApi() {
  return client.resource<Pod>(resource.pods, 'default');
}

async function createPod(name: string, spec: Omit<Pod['spec'] & {}, 'nodeName'>): Promise<Pod> {
  return podsApi().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...spec, nodeName } });
}

function harness(steps: readonly PodStep[] = podLifecycle) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const runtime = new SimRuntime({ clock, podCIDR: '10.244.1.0/24', readyDelayMs: 1_000 });
  const pods = new Map<string, Pod>();
  const enqueued: string[] = [];
  const calls: string[] = [];
  const sync = new PodSync({
    client,
    clock,
    nodeName,
    runtime,
    prober: runtime.readinessProber(),
    backoff: new RestartBackOff(clock),
    recorder: new KeptEvents(client, 'kubelet', nodeName, clock),
    pods,
    hostIP: '10.0.0.1',
    enqueue: (key) => enqueued.push(key),
    steps: traced(steps, calls),
  });
  /** Syncs the pod as the API server has it now (what the informer would hold). */
  const syncPod = async (name: string) => {
    const key = `default/${name}`;
    const pod = await podsApi()
      .get(name)
      .catch((e) => {
        if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
        throw e;
      });
    if (pod) pods.set(key, pod);
    else pods.delete(key);
    calls.length = 0;
    return sync.reconcile(key);
  };
  return { clock, runtime, pods, enqueued, calls, sync, syncPod };
}

describe('pod sync loop (the runner of lifecycle hooks)', () => {
  it('runs init containers first, each container through prestart, start and poststart in step order', async () => {
    const h = harness();
    await createPod('ordered', {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'web', image: 'kubelab/web:1' }],
    });

    await h.syncPod('ordered');
    expect(h.calls).toEqual([
      'restore adopt',
      'update crash-on-demand',
      'update pod-volumes',
      'prestart pod-volumes init',
      'prestart sandbox init',
      'prestart container-env init',
      'prestart pull-image init',
      'start start-container init',
      'poststart probe init',
      // Waiting behind the init container: not started, but its readiness is still read.
      'poststart probe web',
    ]);
    let pod = await podsApi().get('ordered');
    expect(pod.status?.initContainerStatuses?.[0]?.state?.running).toBeDefined();
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');

    // busybox without a command exits 0 at once: news for the pod, and the init container is done.
    h.clock.step(1);
    expect(h.enqueued).toEqual(['default/ordered']);
    expect(await h.syncPod('ordered')).toEqual({ requeueAfterMs: 1_000 });
    expect(h.calls).toEqual([
      'update crash-on-demand',
      'update pod-volumes',
      'exited restart init',
      'poststart probe init',
      'prestart pod-volumes web',
      'prestart sandbox web',
      'prestart container-env web',
      'prestart pull-image web',
      'start start-container web',
      'poststart probe web',
    ]);
    pod = await podsApi().get('ordered');
    expect(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.reason).toBe('Completed');
    expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

    h.clock.step(1_000);
    expect(await h.syncPod('ordered')).toBeUndefined();
    expect(h.calls).toEqual([
      'update crash-on-demand',
      'update pod-volumes',
      'exited restart init',
      'poststart probe init',
      'poststart probe web',
    ]);
    pod = await podsApi().get('ordered');
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('stops at the prestart hook that holds a container: no later prestart, no start', async () => {
    const h = harness();
    await createPod('held', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'held-config', key: 'mode' } } }],
        },
      ],
    });

    expect(await h.syncPod('held')).toEqual({ requeueAfterMs: 2_000 });
    expect(h.calls).toEqual([
      'restore adopt',
      'update crash-on-demand',
      'update pod-volumes',
      'prestart pod-volumes web',
      'prestart sandbox web',
      'prestart container-env web',
      'poststart probe web',
    ]);
    const waiting = (await podsApi().get('held')).status?.containerStatuses?.[0]?.state?.waiting;
    expect(waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'configmap "held-config" not found',
    });

    await client.resource<ConfigMap>(resource.configMaps, 'default').create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held-config' },
      data: { mode: 'on' },
    });
    await h.syncPod('held');
    expect(h.calls).toContain('start start-container web');
    expect((await podsApi().get('held')).status?.containerStatuses?.[0]?.state?.running).toBeDefined();
  });

  it('ends the sync at a hook that fails: no later hook runs, no status is written, the error names the step', async () => {
    const broken: PodStep = {
      name: 'broken',
      async prestart() {
        throw new Error('disk full');
      },
    };
    const h = harness([...podLifecycle.slice(0, 4), broken, ...podLifecycle.slice(4)]);
    await createPod('failing', { containers: [{ name: 'web', image: 'kubelab/web:1' }] });

    await expect(h.syncPod('failing')).rejects.toThrow('prestart hook of step broken: disk full');
    expect(h.calls.slice(-3)).toEqual([
      'prestart pod-volumes web',
      'prestart sandbox web',
      'prestart broken web',
    ]);
    expect((await podsApi().get('failing')).status?.containerStatuses).toBeUndefined();
  });

  it('stops a deleted pod once in the background, then runs the kill hooks in reverse step order and deletes it', async () => {
    const h = harness();
    await createPod('leaving', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: 'kubelab/web:1' }],
    });
    await h.syncPod('leaving');
    await podsApi().delete('leaving');

    await h.syncPod('leaving');
    expect(h.calls).toEqual(['stop stop']);
    await h.syncPod('leaving');
    expect(h.calls).toEqual([]);

    // The sim container takes the grace period (1 s) to exit; then the pod is news again.
    h.enqueued.length = 0;
    h.clock.step(1_000);
    await vi.waitFor(() => expect(h.enqueued).toContain('default/leaving'));
    await h.syncPod('leaving');
    expect(h.calls).toEqual(['kill stop', 'kill restart', 'kill sandbox', 'kill pod-volumes']);
    expect(h.sync.podCount()).toBe(0);
    await expect(podsApi().get('leaving')).rejects.toMatchObject({ reason: 'NotFound' });
  });

  it('kills a pod bound elsewhere at once and forgets it', async () => {
    const h = harness();
    await createPod('moved', { containers: [{ name: 'web', image: 'kubelab/web:1' }] });
    await h.syncPod('moved');
    const pod = h.pods.get('default/moved');
    h.pods.set('default/moved', { ...pod, spec: { containers: [], ...pod?.spec, nodeName: 'node-2' } });
    h.calls.length = 0;

    await h.sync.reconcile('default/moved');
    expect(h.calls).toEqual(['kill stop', 'kill restart', 'kill sandbox', 'kill pod-volumes']);
    expect(h.sync.podCount()).toBe(0);
  });
});

/** The context the pod sync loop would give `container`'s hooks, for a step run alone. */
async function stepContext(
  runtime: SimRuntime,
  clock: FakeClock,
  events: KeptEvents,
  requeues: number[],
  pod: Pod,
  container: string,
): Promise<ContainerStepContext> {
  const uid = pod.metadata?.uid ?? '';
  const sandbox = await runtime.runPodSandbox({
    podUid: uid,
    podName: pod.metadata?.name ?? '',
    namespace: 'default',
  });
  const record: PodRecord = { uid, startTime: '', sandbox, containers: new Map() };
  for (const c of pod.spec?.containers ?? []) record.containers.set(c.name, { restartCount: 0 });
  const spec = pod.spec?.containers.find((c) => c.name === container);
  if (!spec) throw new Error(`no container ${container} in the pod`);
  return {
    client,
    nodeName,
    runtime,
    prober: runtime.readinessProber(),
    clock,
    backoff: new RestartBackOff(clock),
    recorder: events,
    pod,
    record,
    requeueAfter: (ms) => requeues.push(ms),
    spec,
    init: false,
    container: record.containers.get(container) as ContainerRecord,
    launch: { mounts: [], env: new Map() },
    ready: false,
  };
}

/** Creates and starts the container's current attempt, as the start step would. */
async function runContainer(ctx: ContainerStepContext, name: string): Promise<string> {
  const c = ctx.record.containers.get(name) as ContainerRecord;
  const spec = ctx.pod.spec?.containers.find((s) => s.name === name);
  c.id = await ctx.runtime.createContainer(ctx.record.sandbox?.id ?? '', {
    podUid: ctx.record.uid,
    name,
    image: spec?.image ?? '',
    command: spec?.command,
    attempt: c.restartCount,
  });
  await ctx.runtime.startContainer(c.id);
  return c.id;
}

describe('restart step, alone on the SIMULATED runtime', () => {
  let clock: FakeClock;
  let runtime: SimRuntime;
  let events: KeptEvents;
  let requeues: number[];

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    runtime = new SimRuntime({ clock, podCIDR: '10.244.2.0/24' });
    events = new KeptEvents(client, 'kubelet', nodeName, clock);
    requeues = [];
  });

  /** A container of `kubelab/crash` (exits 1 three seconds after it starts), run once and exited. */
  async function crashed(restartPolicy: string): Promise<ContainerStepContext> {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crasher', namespace: 'default', uid: 'uid-1' },
      spec: { nodeName, restartPolicy, containers: [{ name: 'app', image: 'kubelab/crash' }] },
    };
    const ctx = await stepContext(runtime, clock, events, requeues, pod, 'app');
    await runAndExit(ctx);
    return ctx;
  }

  async function runAndExit(ctx: ContainerStepContext): Promise<void> {
    const id = await runContainer(ctx, 'app');
    clock.step(3_000);
    ctx.status = await runtime.containerStatus(id);
  }

  it('restarts the first exit at once, then waits out the crash-loop back-off', async () => {
    const ctx = await crashed('Always');
    const first = ctx.container.id;
    expect(ctx.status?.state).toBe('exited');

    expect(await restartStep.exited!(ctx)).toBe(true);
    expect(ctx.container).toMatchObject({ restartCount: 1, previousId: first, id: undefined });
    expect(ctx.container.lastTermination).toMatchObject({ exitCode: 1, reason: 'Error' });

    await runAndExit(ctx);
    expect(await restartStep.exited!(ctx)).toBe(false);
    expect(ctx.container.waiting).toEqual({
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container=app pod=crasher_default(uid-1)',
    });
    expect(requeues).toEqual([10_000]);
    expect(events.kept).toEqual([
      'BackOff: Back-off restarting failed container app in pod crasher_default(uid-1)',
    ]);
    expect(ctx.container.restartCount).toBe(1);

    clock.step(10_000);
    const second = ctx.container.id;
    expect(await restartStep.exited!(ctx)).toBe(true);
    // One dead container per name is kept (logs --previous): the first goes, the second stays.
    expect(await runtime.containerStatus(first!)).toBeUndefined();
    expect(ctx.container).toMatchObject({ restartCount: 2, previousId: second });
  });

  it('leaves an exit alone when the restart policy says so', async () => {
    const ctx = await crashed('Never');
    ctx.container.waiting = { reason: 'CrashLoopBackOff', message: 'stale' };
    expect(await restartStep.exited!(ctx)).toBe(false);
    expect(ctx.container.waiting).toBeUndefined();
    expect(ctx.container.restartCount).toBe(0);
    expect(requeues).toEqual([]);
  });

  it('forgets the back-off of a pod that is dropped', async () => {
    const ctx = await crashed('Always');
    await restartStep.exited!(ctx);
    expect(ctx.backoff.get('uid-1/app')).toBe(10_000);
    await restartStep.kill!(ctx, { uid: 'uid-1', containers: [{ name: 'app' }] });
    expect(ctx.backoff.get('uid-1/app')).toBe(0);
  });
});

describe('stop step, alone on the SIMULATED runtime', () => {
  it('stops the running containers within the grace period, then kill removes them', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const runtime = new SimRuntime({ clock, podCIDR: '10.244.3.0/24' });
    const events = new KeptEvents(client, 'kubelet', nodeName, clock);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'leaving', namespace: 'default', uid: 'uid-2', deletionGracePeriodSeconds: 1 },
      spec: {
        nodeName,
        containers: [
          { name: 'web', image: 'kubelab/web:1' },
          { name: 'done', image: 'busybox' },
        ],
      },
    };
    const ctx = await stepContext(runtime, clock, events, [], pod, 'web');
    const web = await runContainer(ctx, 'web');
    const done = await runContainer(ctx, 'done');
    clock.step(1);
    expect((await runtime.containerStatus(done))?.state).toBe('exited');

    let stopped = false;
    const stopping = stopStep.stop!(ctx).then(() => {
      stopped = true;
    });
    // The sim container's SIGTERM timer is the only one: the stop has reached the runtime.
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1));
    expect(events.kept).toEqual(['Killing: Stopping container web (SIMULATED)']);
    clock.step(999);
    await Promise.resolve();
    expect(stopped).toBe(false);
    clock.step(1);
    await stopping;
    // SIGTERM within the grace period: the simulated process exits 0 (137 would be a SIGKILL).
    expect(await runtime.containerStatus(web)).toMatchObject({ state: 'exited', exitCode: 0 });

    await stopStep.kill!(ctx, {
      uid: 'uid-2',
      containers: [
        { name: 'web', id: web },
        { name: 'done', id: done },
      ],
    });
    expect(await runtime.containerStatus(web)).toBeUndefined();
    expect(await runtime.containerStatus(done)).toBeUndefined();
  });
});
