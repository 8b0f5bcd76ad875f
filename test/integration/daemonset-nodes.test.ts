// The DaemonSet controller against a real API server on a FakeClock, with the scheduler placing
// pods where their metadata.name affinity pins them and SIMULATED node agents running them.
// One pod per eligible node, following nodes joining and leaving, taints, and a RollingUpdate
// of the template.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { controllerRevisionHashLabel } from '../../src/api/controller-revision.js';
import { daemonSetController } from '../../src/controllers/daemonset-controller.js';
import { targetNodeName } from '../../src/controllers/daemonset-placement.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const daemonSet = (image: string): DaemonSet => ({
  metadata: { name: 'agent' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image }] } },
  },
});

/** The DaemonSet's pods that are not on their way out. */
async function livePods(h: ControllerHarness): Promise<Pod[]> {
  return (await h.api<Pod>('Pod').list({ labelSelector: 'app=agent' })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
}

const nodesOf = (pods: Pod[]) => pods.map((p) => targetNodeName(p)).sort();

describe('daemonset controller', () => {
  it('runs one pod per eligible node and follows nodes joining and leaving', async () => {
    h = await startControllers([daemonSetController], {
      nodes: ['node-a', 'node-b', 'node-tainted', 'node-cordoned'],
    });
    const nodes = h.api<Node>('Node');
    // Untolerated NoSchedule taint: not eligible. Cordoned: still eligible (daemon toleration).
    await nodes.patch(
      'node-tainted',
      { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } },
      'merge',
    );
    await nodes.patch(
      'node-cordoned',
      {
        spec: {
          unschedulable: true,
          taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
        },
      },
      'merge',
    );
    const dss = h.api<DaemonSet>('DaemonSet');
    await dss.create(daemonSet('agent:1'));

    const pods = await until('three pods', async () => {
      const ps = await livePods(h);
      return ps.length === 3 ? ps : undefined;
    });
    expect(nodesOf(pods)).toEqual(['node-a', 'node-b', 'node-cordoned']);
    const pinned =
      pods[0]!.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        ?.nodeSelectorTerms;
    expect(pinned?.[0]?.matchFields?.[0]).toMatchObject({ key: 'metadata.name', operator: 'In' });
    expect(pods[0]!.spec?.tolerations).toContainEqual({
      key: 'node.kubernetes.io/unschedulable',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    expect(pods[0]!.metadata?.labels?.[controllerRevisionHashLabel]).toBeTruthy();
    const status = await until('status ready', async () => {
      const s = (await dss.get('agent')).status;
      return s?.numberReady === 3 ? s : undefined;
    });
    expect(status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
    });

    await h.addNodes(['node-c']); // a node joins
    await until('pod on the new node', async () => nodesOf(await livePods(h)).includes('node-c'));
    await nodes.delete('node-b');
    await until('pod of the removed node gone', async () => {
      const ps = await livePods(h);
      return !nodesOf(ps).includes('node-b') && ps.length === 3;
    });
    await until('status follows', async () => (await dss.get('agent')).status?.desiredNumberScheduled === 3);
  });

  it('rolls a template change out node by node (maxUnavailable 1)', async () => {
    h = await startControllers([daemonSetController], { nodes: ['node-a', 'node-b', 'node-c'] });
    const dss = h.api<DaemonSet>('DaemonSet');
    await dss.create(daemonSet('agent:1'));
    await until('all ready', async () => {
      return (await dss.get('agent')).status?.numberAvailable === 3;
    });
    const ds = await dss.get('agent');
    ds.spec!.template.spec!.containers[0]!.image = 'agent:2';
    await dss.update(ds);
    let maxMissing = 0;
    const done = await until(
      'rolled out',
      async () => {
        const ps = await livePods(h);
        const running = ps.filter((p) => p.status?.phase === 'Running').length;
        maxMissing = Math.max(maxMissing, 3 - running);
        const s = (await dss.get('agent')).status;
        return s?.updatedNumberScheduled === 3 &&
          s.numberAvailable === 3 &&
          ps.every((p) => p.spec?.containers[0]?.image === 'agent:2') &&
          ps.length === 3
          ? s
          : undefined;
      },
      20_000,
    );
    expect(done.observedGeneration).toBe(2);
    expect(maxMissing).toBeLessThanOrEqual(1);
  });
});
