// Step (SIMULATED runtime only): failure injection by annotation. Each new value of
// `sim.kubelab.dev/crash` makes the pod's running containers exit once, with the code in
// `sim.kubelab.dev/exit-code` (default 1), so restart and CrashLoopBackOff paths can be shown
// on demand. The value present when the agent first takes the pod is the baseline, which
// keeps an agent restart from replaying an old crash.
import { containerEventSuffix, type PodStep, type PodStepContext } from '../pod-step.js';

const crashAnnotation = 'sim.kubelab.dev/crash';
const exitCodeAnnotation = 'sim.kubelab.dev/exit-code';

async function crashOnDemand(ctx: PodStepContext): Promise<void> {
  const annotations = ctx.pod.metadata?.annotations ?? {};
  const value = annotations[crashAnnotation];
  if (value === ctx.record.crashSeen) return;
  ctx.record.crashSeen = value;
  if (value === undefined || !ctx.runtime.crashContainer) return;
  const parsed = Number.parseInt(annotations[exitCodeAnnotation] ?? '', 10);
  const exitCode = Number.isInteger(parsed) && parsed >= 0 && parsed <= 255 ? parsed : 1;
  const names: string[] = [];
  for (const spec of ctx.pod.spec?.containers ?? []) {
    const id = ctx.record.containers.get(spec.name)?.id;
    if ((await (id ? ctx.runtime.containerStatus(id) : undefined))?.state !== 'running') continue;
    await ctx.runtime.crashContainer(id!, exitCode);
    names.push(spec.name);
  }
  if (names.length > 0) {
    ctx.recorder.event(
      ctx.pod,
      'Warning',
      'CrashInjected',
      `${crashAnnotation}=${value}: containers [${names.join(' ')}] exited with code ${exitCode}${containerEventSuffix(ctx)}`,
    );
  }
}

export const crashOnDemandStep: PodStep = { name: 'crash-on-demand', update: crashOnDemand };
