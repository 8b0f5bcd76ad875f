// Step: readiness. The prober comes with the runtime (sim: start-up time per image; Docker:
// the container's startup, readiness and liveness probes); a pending answer asks for a sync
// when it may change. A container is ready only once it has started and while it waits for
// nothing; an init container has no probes and is ready once it exited 0.
import type { ContainerStepContext, PodStep } from '../pod-step.js';

async function probeReadiness(ctx: ContainerStepContext): Promise<void> {
  const { status, spec } = ctx;
  if (ctx.init) {
    ctx.ready = status?.state === 'exited' && status.exitCode === 0;
    return;
  }
  if (status?.state !== 'running') {
    ctx.ready = false;
    ctx.started = false;
    return;
  }
  const result = ctx.prober.check(status, ctx.clock.now(), {
    pod: ctx.pod,
    spec,
    podIP: ctx.record.sandbox?.ip,
    recorder: ctx.recorder,
  });
  if (result.recheckInMs !== undefined) ctx.requeueAfter(result.recheckInMs);
  ctx.started = result.started ?? true;
  ctx.ready = !ctx.container.waiting && ctx.started && result.ready;
}

export const probeStep: PodStep = { name: 'probe', poststart: probeReadiness };
