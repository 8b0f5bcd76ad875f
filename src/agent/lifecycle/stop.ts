// Step: stop. Graceful termination sends every running container SIGTERM with the pod's
// grace period and resolves when all have exited; it runs in the background and the pod is
// synced again when it finishes. `killPod` is for pods the agent must drop at once (deleted
// from the API, bound elsewhere): stop with grace 0 and forget the sandbox.
import type { PodRecord } from '../pod-record.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { containerEventSuffix, type PodStepContext } from './step-context.js';

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
      await ctx.runtime.stopContainer(id, graceMs);
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
