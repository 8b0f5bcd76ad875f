import { describe, expect, it } from 'vitest';
import { derivedPodCIDR, gatewayAddress, PodIPAllocator } from '../../src/agent/pod-network.js';
import type { RuntimeContainerStatus } from '../../src/agent/runtime/runtime.js';
import { SimRuntime } from '../../src/agent/runtime/sim.js';
import { simImageBehaviour } from '../../src/agent/runtime/sim-images.js';
import { FakeClock } from '../../src/client/clock.js';

describe('sim image behaviours', () => {
  it('matches the lab images', () => {
    expect(simImageBehaviour({ image: 'kubelab/web:broken' }, 1000)).toEqual({ readyAfterMs: null });
    expect(simImageBehaviour({ image: 'kubelab/web:1' }, 1000)).toEqual({ readyAfterMs: 1000 });
    expect(simImageBehaviour({ image: 'kubelab/slow' }, 1000)).toEqual({ readyAfterMs: 20_000 });
    expect(simImageBehaviour({ image: 'kubelab/crash:latest' }, 1000)).toMatchObject({
      exitAfterMs: 3_000,
      exitCode: 1,
    });
  });

  it('runs commands as scripts and bare shell images to completion', () => {
    expect(
      simImageBehaviour({ image: 'busybox', command: ['sh', '-c', 'sleep 2; exit 4'] }, 0),
    ).toMatchObject({
      exitAfterMs: 2_000,
      exitCode: 4,
    });
    expect(
      simImageBehaviour({ image: 'busybox', args: ['sleep', 'infinity'] }, 0).exitAfterMs,
    ).toBeUndefined();
    expect(simImageBehaviour({ image: 'docker.io/library/alpine:3.20' }, 0)).toMatchObject({
      exitAfterMs: 0,
      exitCode: 0,
    });
  });
});

describe('SimRuntime', () => {
  async function started(image: string, runtime: SimRuntime) {
    const sandbox = await runtime.runPodSandbox({ podUid: 'u1', podName: 'p', namespace: 'default' });
    const id = await runtime.createContainer(sandbox.id, { podUid: 'u1', name: 'c', image, attempt: 0 });
    await runtime.startContainer(id);
    return { sandbox, id };
  }

  it('kubelab/crash exits with code 1 after 3 s and tells its listeners', async () => {
    const clock = new FakeClock(0);
    const runtime = new SimRuntime({ clock, podCIDR: '10.244.3.0/24' });
    const exits: RuntimeContainerStatus[] = [];
    runtime.onContainerExit((s) => exits.push(s));
    const { id } = await started('kubelab/crash', runtime);
    clock.step(2_999);
    expect((await runtime.containerStatus(id))?.state).toBe('running');
    clock.step(1);
    expect(await runtime.containerStatus(id)).toMatchObject({
      state: 'exited',
      exitCode: 1,
      reason: 'Error',
      finishedAtMs: 3_000,
    });
    expect(exits).toHaveLength(1);
  });

  it('is ready after the ready delay; kubelab/slow after 20 s', async () => {
    const clock = new FakeClock(0);
    const runtime = new SimRuntime({ clock, podCIDR: '10.244.3.0/24', readyDelayMs: 500 });
    const prober = runtime.readinessProber();
    const web = await started('kubelab/web', runtime);
    const slow = await started('kubelab/slow', runtime);
    const check = async (id: string) => prober.check((await runtime.containerStatus(id))!, clock.now());
    expect(await check(web.id)).toEqual({ ready: false, recheckInMs: 500 });
    clock.step(500);
    expect((await check(web.id)).ready).toBe(true);
    expect(await check(slow.id)).toEqual({ ready: false, recheckInMs: 19_500 });
    clock.step(19_500);
    expect((await check(slow.id)).ready).toBe(true);
  });

  it('stops gracefully within the capped grace period; grace 0 is SIGKILL (137)', async () => {
    const clock = new FakeClock(0);
    const runtime = new SimRuntime({ clock, podCIDR: '10.244.3.0/24', maxStopDelayMs: 2_000 });
    const a = await started('kubelab/web', runtime);
    let stopped = false;
    const stopping = runtime.stopContainer(a.id, 30_000).then(() => {
      stopped = true;
    });
    clock.step(1_999);
    await Promise.resolve();
    expect(stopped).toBe(false);
    clock.step(1);
    await stopping;
    expect(await runtime.containerStatus(a.id)).toMatchObject({
      state: 'exited',
      exitCode: 0,
      reason: 'Completed',
    });
    const b = await started('kubelab/web', runtime);
    await runtime.stopContainer(b.id, 0);
    expect(await runtime.containerStatus(b.id)).toMatchObject({ exitCode: 137, reason: 'Error' });
  });

  it('crashContainer makes a running container exit with the given code', async () => {
    const clock = new FakeClock(0);
    const runtime = new SimRuntime({ clock, podCIDR: '10.244.3.0/24' });
    const { id } = await started('kubelab/web', runtime);
    await runtime.crashContainer(id, 7);
    expect(await runtime.containerStatus(id)).toMatchObject({
      state: 'exited',
      exitCode: 7,
      reason: 'Error',
    });
  });
});

describe('pod network', () => {
  it('derives a stable /24 per node name and hands out .2 upwards, preferring a recorded IP', () => {
    const cidr = derivedPodCIDR('kubelab-worker');
    expect(cidr).toBe(derivedPodCIDR('kubelab-worker'));
    expect(cidr).toMatch(/^10\.24[4-7]\.\d+\.0\/24$/);
    expect(gatewayAddress('10.244.5.0/24')).toBe('10.244.5.1');
    const ips = new PodIPAllocator('10.244.5.0/24');
    expect(ips.allocate()).toBe('10.244.5.2');
    expect(ips.allocate('10.244.5.77')).toBe('10.244.5.77');
    expect(ips.allocate('10.244.5.2')).toBe('10.244.5.3');
    ips.release('10.244.5.2');
    expect(ips.allocate('10.244.5.2')).toBe('10.244.5.2');
  });
});
