// Step: readiness. The prober comes with the runtime (sim: start-up time per image; Docker:
// the container's readinessProbe); a pending answer asks for a sync when it may change.
import type { RuntimeContainerStatus } from '../runtime/runtime.js';
import type { PodStepContext } from './step-context.js';

export function probeReadiness(ctx: PodStepContext, container: RuntimeContainerStatus | undefined): boolean {
  if (container?.state !== 'running') return false;
  const result = ctx.prober.check(container, ctx.clock.now());
  if (result.recheckInMs !== undefined) ctx.requeueAfter(result.recheckInMs);
  return result.ready;
}
