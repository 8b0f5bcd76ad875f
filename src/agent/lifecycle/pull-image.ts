// Step: make the container's image present on the node (kubelet's image manager), honouring
// imagePullPolicy (default Always for `:latest` or no tag, else IfNotPresent). A failed pull
// is ErrImagePull; until its back-off (10 s doubling to 5 min, as the kubelet's) runs out the
// container waits in ImagePullBackOff, with the kubelet's events for each.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { ContainerRecord } from '../pod-record.js';
import { imageTag } from '../runtime/sim-images.js';
import { containerEventSuffix, type PodStepContext } from './step-context.js';

const pullProgressIntervalMs = 1_000;

export function imagePullPolicy(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  return imageTag(container.image ?? '') === 'latest' && !container.image?.includes('@')
    ? 'Always'
    : 'IfNotPresent';
}

/** The image's ID, or undefined when the container must wait (record.waiting says why). */
export async function pullImage(
  ctx: PodStepContext,
  container: Container,
  record: ContainerRecord,
): Promise<string | undefined> {
  const image = container.image ?? '';
  const suffix = containerEventSuffix(ctx);
  const policy = imagePullPolicy(container);
  if (policy !== 'Always') {
    const present = await ctx.runtime.imageStatus(image);
    if (present) {
      ctx.recorder.event(
        ctx.pod,
        'Normal',
        'Pulled',
        `Container image "${image}" already present on machine${suffix}`,
      );
      return present.imageID;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      record.waiting = { reason: 'ErrImageNeverPull', message };
      ctx.recorder.event(ctx.pod, 'Warning', 'ErrImageNeverPull', message);
      ctx.requeueAfter(ctx.backoff.initialMs);
      return undefined;
    }
  }
  const key = `${ctx.record.uid}/${container.name}/pull`;
  if (record.pullFailedAtMs !== undefined && ctx.backoff.isInBackOffSince(key, record.pullFailedAtMs)) {
    const message = `Back-off pulling image "${image}"`;
    if (record.waiting?.reason !== 'ImagePullBackOff') {
      ctx.recorder.event(ctx.pod, 'Normal', 'BackOff', message);
      ctx.recorder.event(ctx.pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
    }
    record.waiting = { reason: 'ImagePullBackOff', message };
    ctx.requeueAfter(ctx.backoff.remaining(key, record.pullFailedAtMs));
    return undefined;
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
    const { imageID } = await ctx.runtime.pullImage(image, onProgress);
    const took = ((ctx.clock.now() - started) / 1000).toFixed(3);
    ctx.recorder.event(
      ctx.pod,
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${took}s${suffix}`,
    );
    record.pullFailedAtMs = undefined;
    ctx.backoff.forget(key);
    return imageID;
  } catch (e) {
    const message = `Failed to pull image "${image}": ${(e as Error).message}`;
    record.pullFailedAtMs = ctx.clock.now();
    ctx.backoff.next(key, record.pullFailedAtMs);
    record.waiting = { reason: 'ErrImagePull', message };
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', message);
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    ctx.requeueAfter(ctx.backoff.remaining(key, record.pullFailedAtMs));
    return undefined;
  }
}
