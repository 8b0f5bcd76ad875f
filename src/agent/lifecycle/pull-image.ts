// Step: make the container's image present on the node (kubelet's image manager).
import type { Container } from 'kubernetes-types/core/v1.js';
import { containerEventSuffix, type PodStepContext } from './step-context.js';

export async function pullImage(ctx: PodStepContext, container: Container): Promise<string> {
  const image = container.image ?? '';
  ctx.recorder.event(ctx.pod, 'Normal', 'Pulling', `Pulling image "${image}"${containerEventSuffix(ctx)}`);
  const started = ctx.clock.now();
  const { imageID } = await ctx.runtime.pullImage(image);
  const took = ((ctx.clock.now() - started) / 1000).toFixed(3);
  ctx.recorder.event(
    ctx.pod,
    'Normal',
    'Pulled',
    `Successfully pulled image "${image}" in ${took}s${containerEventSuffix(ctx)}`,
  );
  return imageID;
}
