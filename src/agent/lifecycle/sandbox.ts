// Step: the pod sandbox, which gives the pod its IP before any container starts. An agent
// adopting a pod after a restart asks for the pod's recorded IP back.
import type { Sandbox } from '../runtime/runtime.js';
import type { PodStepContext } from './step-context.js';

export async function ensureSandbox(ctx: PodStepContext): Promise<Sandbox> {
  if (ctx.record.sandbox) return ctx.record.sandbox;
  const meta = ctx.pod.metadata ?? {};
  const sandbox = await ctx.runtime.runPodSandbox({
    podUid: meta.uid ?? '',
    podName: meta.name ?? '',
    namespace: meta.namespace ?? '',
    preferredIP: ctx.pod.status?.podIP,
  });
  ctx.record.sandbox = sandbox;
  return sandbox;
}
