// Step: stop. Graceful termination runs each running container's preStop hook (bounded by
// the grace period: deletionGracePeriodSeconds, else terminationGracePeriodSeconds, else
// 30 s), then sends SIGTERM with what is left of the grace period and resolves when all have
// exited. Dropping a pod at once (deleted from the API, bound elsewhere, orphaned) stops and
// removes its containers with grace 0.
import type { Container } from 'kubernetes-types/core/v1.js';
import { containerEventSuffix, type PodStep, type PodStepContext } from '../pod-step.js';
import { runHandler } from '../probes/handler.js';

/** Runs the preStop hook; resolves to the grace period left for SIGTERM. */
async function preStop(ctx: PodStepContext, spec: Container, id: string, graceMs: number): Promise<number> {
  const hook = spec.lifecycle?.preStop;
  if (!hook) return graceMs;
  const started = ctx.clock.now();
  const result = await runHandler(
    hook,
    { runtime: ctx.runtime, containerId: id, spec, podIP: ctx.record.sandbox?.ip },
    Math.max(graceMs, 1),
  );
  if (!result.ok) {
    ctx.recorder.event(
      ctx.pod,
      'Warning',
      'FailedPreStopHook',
      `PreStopHook failed: ${result.message}`.trim(),
    );
  }
  return Math.max(0, graceMs - (ctx.clock.now() - started));
}

async function stopPod(ctx: PodStepContext): Promise<void> {
  const { pod } = ctx;
  const graceMs =
    (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  await Promise.all(
    (pod.spec?.containers ?? []).concat(pod.spec?.initContainers ?? []).map(async (spec) => {
      const id = ctx.record.containers.get(spec.name)?.id;
      const status = id ? await ctx.runtime.containerStatus(id) : undefined;
      if (!id || status?.state !== 'running') return;
      ctx.recorder.event(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${spec.name}${containerEventSuffix(ctx)}`,
      );
      await ctx.runtime.stopContainer(id, await preStop(ctx, spec, id, graceMs));
    }),
  );
}

export const stopStep: PodStep = {
  name: 'stop',
  stop: stopPod,
  async kill(node, remains) {
    for (const c of remains.containers) {
      if (!c.id) continue;
      await node.runtime.stopContainer(c.id, 0);
      await node.runtime.removeContainer(c.id);
    }
  },
};
