import { describe, expect, it } from 'vitest';
import { rolloutPhase } from '../../src/api/deployment-summary.js';
import { profiles } from '../../src/api/profiles.js';
import { rfc3339 } from '../../src/api/time.js';
import { FakeClock } from '../../src/client/clock.js';
import { FrameScheduler } from '../../src/client/frame-scheduler.js';
import { nodeChangeShows } from '../../src/tui/data/cluster-model.js';
import { parseReadyz } from '../../src/tui/data/control-plane-health.js';
import { summarizeDeployments } from '../../src/tui/data/deployment-summary.js';
import { nodeSilence, summarizeNodes } from '../../src/tui/data/node-summary.js';
import {
  deployment,
  fixtureNow,
  fixtureSnapshot,
  lease,
  node,
  pod,
  replicaSet,
} from '../helpers/tui-fixtures.js';

describe('node cards', () => {
  it('adds up requests of the pods bound to each node against allocatable, and usage when measured', () => {
    const s = fixtureSnapshot({
      nodes: [node('a'), node('b', { unschedulable: true, simulated: false }), node('c', { ready: 'False' })],
      pods: [
        pod('p1', 'a', { cpu: '500m', memory: '1Gi' }),
        pod('p2', 'a', { cpu: '1', memory: '1Gi' }),
        pod('done', 'a', { phase: 'Succeeded', cpu: '2' }),
        pod('unbound', undefined),
      ],
      leases: [lease('a', 400)],
      metrics: {
        available: true,
        at: fixtureNow,
        nodes: new Map([['a', { milliCpu: 250, memory: 512 * 2 ** 20 }]]),
      },
    });
    const [a, b, c] = summarizeNodes(s);
    expect(a).toMatchObject({
      name: 'a',
      condition: 'Ready',
      cordoned: false,
      simulated: true,
      cpu: { requested: 1500, allocatable: 4000, used: 250 },
      memory: { requested: 2 * 2 ** 30, allocatable: 8 * 2 ** 30, used: 512 * 2 ** 20 },
      podCapacity: 110,
      heartbeatAgeMs: 400,
    });
    // Finished pods hold nothing; unbound pods belong to no card.
    expect(a!.pods.map((p) => p.metadata?.name)).toEqual(['p1', 'p2']);
    expect(b).toMatchObject({ cordoned: true, simulated: false, heartbeatAgeMs: undefined });
    expect(b!.cpu.used).toBeUndefined();
    expect(c!.condition).toBe('NotReady');
  });

  it('puts control-plane nodes first', () => {
    const s = fixtureSnapshot({ nodes: [node('a'), node('z-cp', { controlPlane: true })] });
    expect(summarizeNodes(s).map((n) => n.name)).toEqual(['z-cp', 'a']);
  });

  it('counts down from the last lease renewal, then from the NoExecute taint', () => {
    const lab = profiles.lab;
    expect(nodeSilence(node('a'), lease('a', 1_500), lab, fixtureNow)).toBeUndefined();
    expect(nodeSilence(node('a'), lease('a', 2_500), lab, fixtureNow)).toEqual({
      silentMs: 2_500,
      notReadyInMs: 1_500,
      evictionInMs: 3_500,
      tainted: false,
    });
    // The taint went on 1 s ago: eviction follows the toleration from then, not the prediction.
    const tainted = node('a', {
      ready: 'Unknown',
      taints: [
        {
          key: 'node.kubernetes.io/unreachable',
          effect: 'NoExecute',
          timeAdded: rfc3339(fixtureNow - 1_000),
        },
      ],
    });
    expect(nodeSilence(tainted, lease('a', 6_000), lab, fixtureNow)).toEqual({
      silentMs: 6_000,
      notReadyInMs: -2_000,
      evictionInMs: 1_000,
      tainted: true,
    });
    // k8s profile: 10 s renewals, so 15 s of silence is not yet overdue... 25 s is.
    expect(nodeSilence(node('a'), lease('a', 15_000), profiles.k8s, fixtureNow)).toBeUndefined();
    expect(nodeSilence(node('a'), lease('a', 25_000), profiles.k8s, fixtureNow)).toMatchObject({
      notReadyInMs: 25_000,
      evictionInMs: 325_000,
    });
  });
});

describe('rollouts', () => {
  it('splits pods between the new ReplicaSet and old ones still holding pods', () => {
    const d = deployment('web', {
      revision: 3,
      image: 'kubelab/web:3',
      status: {
        observedGeneration: 1,
        replicas: 4,
        updatedReplicas: 1,
        readyReplicas: 3,
        availableReplicas: 3,
      },
    });
    const r1 = replicaSet(d, 'r1', { revision: 1, image: 'kubelab/web:1', replicas: 0 });
    const r2 = replicaSet(d, 'r2', { revision: 2, image: 'kubelab/web:2', replicas: 3 });
    const r3 = replicaSet(d, 'r3', { revision: 3, image: 'kubelab/web:3', replicas: 1, ready: 0 });
    const stranger = replicaSet(deployment('other'), 'x', {
      revision: 1,
      image: 'kubelab/web:3',
      replicas: 9,
    });
    const [web] = summarizeDeployments(
      fixtureSnapshot({ deployments: [d], replicaSets: [r1, r2, r3, stranger] }),
    );
    expect(web).toMatchObject({
      name: 'web',
      revision: 3,
      desired: 3,
      updated: 1,
      ready: 3,
      available: 3,
      phase: 'progressing',
      images: ['kubelab/web:3'],
      newReplicaSet: { name: 'web-r3', revision: 3, replicas: 1, ready: 0 },
      oldReplicaSets: [{ name: 'web-r2', revision: 2, replicas: 3, ready: 3 }],
    });
  });

  it('tells complete, paused and stalled rollouts apart', () => {
    expect(rolloutPhase(deployment('a'))).toBe('complete');
    expect(rolloutPhase(deployment('a', { paused: true }))).toBe('paused');
    const stalled = deployment('a', {
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    });
    expect(rolloutPhase(stalled)).toBe('stalled');
    const d = deployment('a');
    expect(rolloutPhase({ ...d, metadata: { ...d.metadata, generation: 2 } })).toBe('progressing');
  });

  it('narrows to a namespace', () => {
    const s = fixtureSnapshot({ deployments: [deployment('a'), deployment('b', { namespace: 'team' })] });
    expect(summarizeDeployments(s, 'team').map((d) => d.key)).toEqual(['team/b']);
    expect(summarizeDeployments(s).map((d) => d.key)).toEqual(['default/a', 'team/b']);
  });
});

describe('what is worth a frame', () => {
  it('a node reporting the same status again waits for the tick; a real change is drawn at once', () => {
    const before = node('a');
    const report = {
      ...before,
      metadata: { ...before.metadata, resourceVersion: '2' },
      status: {
        ...before.status,
        conditions: [{ ...before.status!.conditions![0]!, lastHeartbeatTime: rfc3339(fixtureNow) }],
      },
    };
    expect(nodeChangeShows(before, report)).toBe(false);
    expect(nodeChangeShows(before, node('a', { unschedulable: true }))).toBe(true);
    expect(nodeChangeShows(before, node('a', { ready: 'Unknown' }))).toBe(true);
    expect(nodeChangeShows(undefined, before)).toBe(true);
  });
});

describe('frames', () => {
  it('draws a burst as one frame, then at most one frame per interval', () => {
    const clock = new FakeClock(0);
    let frames = 0;
    const scheduler = new FrameScheduler(clock, 100, () => frames++);
    for (let i = 0; i < 2_000; i++) scheduler.request();
    clock.step(0);
    expect(frames).toBe(1);
    scheduler.request();
    clock.step(50);
    expect(frames).toBe(1);
    scheduler.request();
    clock.step(50);
    expect(frames).toBe(2);
    // After a quiet spell the next change is drawn at once.
    clock.step(1_000);
    scheduler.request();
    clock.step(0);
    expect(frames).toBe(3);
  });
});

describe('control-plane health', () => {
  it('reads /readyz?verbose', () => {
    expect(
      parseReadyz(
        '[+]ping ok\n[+]store ok\n[-]scheduler failed\n[+]controller-manager ok\nreadyz check failed\n',
      ),
    ).toEqual({
      passed: false,
      checks: [
        { name: 'ping', ok: true },
        { name: 'store', ok: true },
        { name: 'scheduler', ok: false },
        { name: 'controller-manager', ok: true },
      ],
    });
  });
});
