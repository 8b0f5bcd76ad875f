import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { buildPodStatus, type ContainerView, podStatusChanged } from '../../src/agent/pod-status.js';
import type { RuntimeContainerStatus } from '../../src/agent/runtime/runtime.js';

const t0 = Date.parse('2025-01-01T00:00:00Z');

function runtimeStatus(over: Partial<RuntimeContainerStatus>): RuntimeContainerStatus {
  return {
    id: 'abc',
    podUid: 'u',
    name: 'c',
    image: 'img',
    imageID: 'sim://img@sha256:1',
    attempt: 0,
    state: 'running',
    createdAtMs: t0,
    startedAtMs: t0,
    ...over,
  };
}

function pod(restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always', status?: Pod['status']): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { restartPolicy, containers: [{ name: 'c', image: 'img' }] },
    status: status ?? {
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-12-31T00:00:00Z' }],
    },
  };
}

function facts(containers: ContainerView[], init: ContainerView[] = []) {
  return {
    runtimeType: 'sim',
    hostIP: '10.244.1.1',
    podIP: '10.244.1.2',
    startTime: '2025-01-01T00:00:00Z',
    init,
    containers,
    nowMs: t0 + 5_000,
  };
}

const spec = { name: 'c', image: 'img' };

describe('buildPodStatus', () => {
  it('reports a running ready container as Kubernetes does', () => {
    const s = buildPodStatus(
      pod(),
      facts([
        {
          spec,
          record: { restartCount: 0, id: 'abc' },
          status: runtimeStatus({}),
          ready: true,
          pendingReason: 'ContainerCreating',
        },
      ]),
    );
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.2');
    expect(s.podIPs).toEqual([{ ip: '10.244.1.2' }]);
    expect(s.containerStatuses?.[0]).toEqual({
      name: 'c',
      state: { running: { startedAt: '2025-01-01T00:00:00Z' } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'img',
      imageID: 'sim://img@sha256:1',
      containerID: 'sim://abc',
      started: true,
    });
    expect(s.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=True',
      'ContainersReady=True',
      'PodScheduled=True',
    ]);
  });

  it('shows ContainerCreating while pending and keeps transition times that did not change', () => {
    const first = buildPodStatus(pod(), facts([{ spec, ready: false, pendingReason: 'ContainerCreating' }]));
    expect(first.phase).toBe('Pending');
    expect(first.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    const ready = first.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [c]',
    });
    const later = buildPodStatus(pod('Always', first), {
      ...facts([{ spec, ready: false, pendingReason: 'ContainerCreating' }]),
      nowMs: t0 + 60_000,
    });
    expect(later.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(
      ready?.lastTransitionTime,
    );
    expect(podStatusChanged(first, later)).toBe(false);
  });

  it('reports CrashLoopBackOff with the last exit, and the pod stays Running', () => {
    const exited = runtimeStatus({ state: 'exited', exitCode: 1, reason: 'Error', finishedAtMs: t0 + 3_000 });
    const s = buildPodStatus(
      pod(),
      facts([
        {
          spec,
          record: {
            restartCount: 2,
            id: 'abc',
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 20s restarting failed container=c pod=p_default(u)',
            },
          },
          status: exited,
          ready: false,
          pendingReason: 'ContainerCreating',
        },
      ]),
    );
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          finishedAt: '2025-01-01T00:00:03Z',
          containerID: 'sim://abc',
        },
      },
    });
  });

  it('Succeeded for exit 0 under Never/OnFailure; Failed for a failure under Never', () => {
    const ok = runtimeStatus({ state: 'exited', exitCode: 0, reason: 'Completed', finishedAtMs: t0 + 1000 });
    const bad = runtimeStatus({ state: 'exited', exitCode: 2, reason: 'Error', finishedAtMs: t0 + 1000 });
    const view = (status: RuntimeContainerStatus) => [
      {
        spec,
        record: { restartCount: 0, id: 'abc' },
        status,
        ready: false,
        pendingReason: 'ContainerCreating',
      },
    ];
    expect(buildPodStatus(pod('Never'), facts(view(ok))).phase).toBe('Succeeded');
    expect(buildPodStatus(pod('OnFailure'), facts(view(ok))).phase).toBe('Succeeded');
    expect(buildPodStatus(pod('Never'), facts(view(bad))).phase).toBe('Failed');
    const done = buildPodStatus(pod('Never'), facts(view(ok)));
    expect(done.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
  });

  it('is Pending with Initialized=False while init containers run', () => {
    const init = [
      {
        spec: { name: 'setup', image: 'busybox' },
        record: { restartCount: 0, id: 'i' },
        status: runtimeStatus({ id: 'i' }),
        ready: false,
        pendingReason: 'ContainerCreating',
      },
    ];
    const s = buildPodStatus(pod(), facts([{ spec, ready: false, pendingReason: 'PodInitializing' }], init));
    expect(s.phase).toBe('Pending');
    expect(s.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [setup]',
    });
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.initContainerStatuses?.[0]?.state?.running).toBeTruthy();
  });
});
