// The StatefulSet controller against a real API server on a FakeClock, with the scheduler and a
// SIMULATED node agent: a pod is Ready 1 s (of the clock) after it starts and takes 2 s to stop,
// so each step of an ordered start or stop is reached by advancing the clock. Stable identity
// (hostname, subdomain, labels), and never two pods with one identity: a pod stuck Terminating
// on a lost node is replaced only after its deletion is confirmed.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { statefulSetController } from '../../src/controllers/statefulset-controller.js';
import {
  type ControllerHarness,
  isGone,
  names,
  startControllers,
  until,
} from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => {
  await h?.stop();
});

const statefulSet = (replicas: number): StatefulSet => ({
  metadata: { name: 'web' },
  spec: {
    replicas,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

async function podNames(h: ControllerHarness): Promise<string[]> {
  return names((await h.api<Pod>('Pod').list({ labelSelector: 'app=web' })).items);
}

const start = () =>
  startControllers([statefulSetController], {
    nodes: ['node-a'],
    sim: { readyDelayMs: 1_000, maxStopDelayMs: 2_000 },
  });

/** The pod is Running; one second later (on the clock) it is Ready. */
async function runPod(h: ControllerHarness, name: string): Promise<void> {
  const pods = h.api<Pod>('Pod');
  await until(`${name} running`, async () => (await pods.get(name)).status?.phase === 'Running');
  await h.advance(1_000);
  await until(`${name} ready`, async () =>
    (await pods.get(name)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
}

describe('statefulset controller', () => {
  it('starts pods in order, each only when its predecessor is Running and Ready, and stops from the top', async () => {
    h = await start();
    const stss = h.api<StatefulSet>('StatefulSet');
    const pods = h.api<Pod>('Pod');
    await stss.create(statefulSet(3));
    await until('web-0', async () => (await podNames(h)).includes('web-0'));
    const web0 = await pods.get('web-0');
    expect(web0.spec).toMatchObject({ hostname: 'web-0', subdomain: 'nginx' });
    expect(web0.metadata?.labels).toMatchObject({
      'statefulset.kubernetes.io/pod-name': 'web-0',
      'apps.kubernetes.io/pod-index': '0',
    });
    // web-0 runs but is not Ready yet: web-1 waits for it.
    await until('web-0 running', async () => (await pods.get('web-0')).status?.phase === 'Running');
    await h.settled();
    expect(await podNames(h)).toEqual(['web-0']);
    await runPod(h, 'web-0');
    await until('web-1', async () => (await podNames(h)).includes('web-1'));
    expect(await podNames(h)).toEqual(['web-0', 'web-1']);
    await runPod(h, 'web-1');
    await until('web-2', async () => (await podNames(h)).includes('web-2'));
    await runPod(h, 'web-2');
    const status = await until('status', async () => {
      const s = (await stss.get('web')).status;
      return s?.readyReplicas === 3 ? s : undefined;
    });
    expect(status).toMatchObject({
      replicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    expect(status.currentRevision).toBe(status.updateRevision);

    // Scale to 1: web-2 goes first; web-1 only once web-2 is really gone.
    await stss.patch('web', { spec: { replicas: 1 } }, 'merge');
    await until('web-2 terminating', async () => (await pods.get('web-2')).metadata?.deletionTimestamp);
    await h.settled();
    expect((await pods.get('web-1')).metadata?.deletionTimestamp).toBeUndefined();
    await h.advance(2_000); // web-2 has stopped; the agent confirms its deletion
    await until('web-1 terminating', async () => (await pods.get('web-1')).metadata?.deletionTimestamp);
    await h.advance(2_000);
    await until('one left', async () => (await podNames(h)).join() === 'web-0');
  });

  it('never runs two pods with one identity: a Terminating pod is replaced only once it is gone', async () => {
    h = await start();
    const pods = h.api<Pod>('Pod');
    await h.api<StatefulSet>('StatefulSet').create(statefulSet(1));
    await until('web-0', async () => (await podNames(h)).includes('web-0'));
    await runPod(h, 'web-0');
    const original = await pods.get('web-0');

    // Its node is lost (the agent stops): the delete leaves it Terminating, waiting for an agent
    // that will not come.
    await h.nodes!.agents.get('node-a')!.stop();
    await pods.delete('web-0');
    await h.advance(30_000); // its whole grace period

    const stuck = await pods.get('web-0');
    expect(stuck.metadata?.uid).toBe(original.metadata?.uid);
    expect(stuck.metadata?.deletionTimestamp).toBeTruthy();

    // Force-deleted (what the agent or pod GC does): only now does a new web-0 appear.
    await pods.delete('web-0', { gracePeriodSeconds: 0 });
    const replacement = await until('new web-0', async () => {
      const p = await pods.get('web-0').catch(() => undefined);
      return p && p.metadata?.uid !== original.metadata?.uid ? p : undefined;
    });
    expect(replacement.metadata?.deletionTimestamp).toBeUndefined();
    expect(await isGone(pods, 'web-1')).toBe(true);
  });

  it('rolls a template change from the highest ordinal down to the partition', async () => {
    h = await start();
    const stss = h.api<StatefulSet>('StatefulSet');
    const pods = h.api<Pod>('Pod');
    await stss.create(statefulSet(3));
    for (const n of ['web-0', 'web-1', 'web-2']) {
      await until(n, async () => (await podNames(h)).includes(n));
      await runPod(h, n);
    }
    const before = await until('ready', async () => {
      const s = (await stss.get('web')).status;
      return s?.readyReplicas === 3 ? s : undefined;
    });
    await stss.patch(
      'web',
      {
        spec: {
          updateStrategy: { rollingUpdate: { partition: 1 } },
          template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } },
        },
      },
      'merge',
    );
    // web-2 then web-1 are replaced, one at a time; web-0 is below the partition and stays.
    for (const n of ['web-2', 'web-1']) {
      await until(`${n} terminating`, async () => (await pods.get(n)).metadata?.deletionTimestamp);
      await h.advance(2_000); // stopped, and its deletion confirmed by the agent
      const fresh = await until(`${n} recreated`, async () => {
        const p = await pods.get(n).catch(() => undefined);
        return p && !p.metadata?.deletionTimestamp ? p : undefined;
      });
      expect(fresh.spec?.containers[0]?.image).toBe('nginx:2');
      await runPod(h, n);
    }
    const after = await until('updated', async () => {
      const s = (await stss.get('web')).status;
      return s?.updatedReplicas === 2 && s.readyReplicas === 3 ? s : undefined;
    });
    expect((await pods.get('web-0')).spec?.containers[0]?.image).toBe('nginx');
    expect(after.currentRevision).toBe(before.currentRevision);
    expect(after.updateRevision).not.toBe(before.updateRevision);
  });
});
