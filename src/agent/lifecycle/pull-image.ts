// Step: make the container's image present on the node (kubelet's image manager), honouring
// imagePullPolicy (default Always for `:latest` or no tag, else IfNotPresent). A failed pull
// is ErrImagePull; until its back-off (10 s doubling to 5 min, as the kubelet's) runs out the
// container waits in ImagePullBackOff, with the kubelet's events for each.
import type { Container } from 'kubernetes-types/core/v1.js';
import { type ContainerStepContext, containerEventSuffix, type PodStep } from '../pod-step.js';
import { imageTag } from '../runtime/sim-images.js';

const pullProgressIntervalMs = 1_000;

function imagePullPolicy(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  return imageTag(container.image ?? '') === 'latest' && !container.image?.includes('@')
    ? 'Always'
    : 'IfNotPresent';
}

/** True once the image is on the node; false when the container must wait (its waiting state says why). */
async function pullImage(ctx: ContainerStepContext): Promise<boolean> {
  const { spec, container } = ctx;
  const image = spec.image ?? '';
  const suffix = containerEventSuffix(ctx);
  const policy = imagePullPolicy(spec);
  if (policy !== 'Always') {
    const present = await ctx.runtime.imageStatus(image);
    if (present) {
      ctx.recorder.event(
        ctx.pod,
        'Normal',
        'Pulled',
        `Container image "${image}" already present on machine${suffix}`,
      );
      return true;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      container.waiting = { reason: 'ErrImageNeverPull', message };
      ctx.recorder.event(ctx.pod, 'Warning', 'ErrImageNeverPull', message);
      ctx.requeueAfter(ctx.backoff.initialMs);
      return false;
    }
  }
  const key = `${ctx.record.uid}/${spec.name}/pull`;
  if (container.pullFailedAtMs !== undefined && ctx.backoff.isInBackOffSince(key, container.pullFailedAtMs)) {
    const message = `Back-off pulling image "${image}"`;
    if (container.waiting?.reason !== 'ImagePullBackOff') {
      ctx.recorder.event(ctx.pod, 'Normal', 'BackOff', message);
      ctx.recorder.event(ctx.pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
    }
    container.waiting = { reason: 'ImagePullBackOff', message };
    ctx.requeueAfter(ctx.backoff.remaining(key, container.pullFailedAtMs));
    return false;
  }
  ctx.recorder.event(ctx.pod, 'Normal', 'Pulling', `Pulling image "${image}"${suffix}`);
  const started = ctx.clock.now();
  // Progress as events (kubelab's addition: the kubelet reports only start and end), at most
  // one a second so a long pull does not flood the event stream.
  let lastProgressAt = Number.NEGATIVE_INFINITY;
  const onProgress = (progress: string) => {
    const now = ctx.clock.now();
    if (now - lastProgressAt < pullProgressIntervalMs) return;
    lastProgressAt = now;
    ctx.recorder.event(ctx.pod, 'Normal', 'Pulling', `Pulling image "${image}": ${progress}${suffix}`);
  };
  try {
    await ctx.runtime.pullImage(image, onProgress);
    const took = ((ctx.clock.now() - started) / 1000).toFixed(3);
    ctx.recorder.event(
      ctx.pod,
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${took}s${suffix}`,
    );
    container.pullFailedAtMs = undefined;
    ctx.backoff.forget(key);
    return true;
  } catch (e) {
    const message = `Failed to pull image "${image}": ${(e as Error).message}`;
    container.pullFailedAtMs = ctx.clock.now();
    ctx.backoff.next(key, container.pullFailedAtMs);
    container.waiting = { reason: 'ErrImagePull', message };
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', message);
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    ctx.requeueAfter(ctx.backoff.remaining(key, container.pullFailedAtMs));
    return false;
  }
}

export const pullImageStep: PodStep = { name: 'pull-image', prestart: pullImage };
