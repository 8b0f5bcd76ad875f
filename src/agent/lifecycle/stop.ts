// Step: stop. Graceful termination runs each running container's preStop hook (bounded by
// the grace period), then sends SIGTERM with what is left of the grace period and resolves
// when all have exited; it runs in the background and the pod is synced again when it
// finishes. `killPod` is for pods the agent must drop at once (deleted from the API, bound
// elsewhere): stop with grace 0 and forget the sandbox.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { PodRecord } from '../pod-record.js';
import { runHandler } from '../probes/handler.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { containerEventSuffix, type PodStepContext } from './step-context.js';

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

export function stopPod(ctx: PodStepContext, graceMs: number): Promise<void> {
  ctx.record.stopping ??= Promise.all(
    (ctx.pod.spec?.containers ?? []).concat(ctx.pod.spec?.initContainers ?? []).map(async (spec) => {
      const id = ctx.record.containers.get(spec.name)?.id;
      const status = id ? await ctx.runtime.containerStatus(id) : undefined;
      if (!id || status?.state !== 'running') return;
      ctx.recorder.event(
        ctx.pod,
        'Normal',
        'Killing',
        `Stopping container ${spec.name}${containerEventSuffix(ctx)}`,
      );
      await ctx.runtime.stopContainer(id, await preStop(ctx, spec, id, graceMs));
    }),
  ).then(() => undefined);
  return ctx.record.stopping;
}

export async function killPod(runtime: ContainerRuntime, record: PodRecord): Promise<void> {
  for (const c of record.containers.values()) {
    if (!c.id) continue;
    await runtime.stopContainer(c.id, 0);
    await runtime.removeContainer(c.id);
  }
  if (record.sandbox) await runtime.removePodSandbox(record.sandbox.id);
}
