// Step: readiness. The prober comes with the runtime (sim: start-up time per image; Docker:
// the container's startup, readiness and liveness probes); a pending answer asks for a sync
// when it may change. A container is ready only once it has started.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { RuntimeContainerStatus } from '../runtime/runtime.js';
import type { PodStepContext } from './step-context.js';

export function probeReadiness(
  ctx: PodStepContext,
  container: RuntimeContainerStatus | undefined,
  spec: Container,
): { ready: boolean; started: boolean } {
  if (container?.state !== 'running') return { ready: false, started: false };
  const result = ctx.prober.check(container, ctx.clock.now(), {
    pod: ctx.pod,
    spec,
    podIP: ctx.record.sandbox?.ip,
    recorder: ctx.recorder,
  });
  if (result.recheckInMs !== undefined) ctx.requeueAfter(result.recheckInMs);
  const started = result.started ?? true;
  return { ready: started && result.ready, started };
}
