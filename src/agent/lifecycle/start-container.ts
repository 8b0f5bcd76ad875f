// Step: pull, create and start one container in the pod's sandbox.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { ContainerRecord } from '../pod-record.js';
import { pullImage } from './pull-image.js';
import { ensureSandbox } from './sandbox.js';
import { containerEventSuffix, type PodStepContext } from './step-context.js';

/** Retry delay after a failed pull, as the kubelet's image back-off starts. */
const pullRetryMs = 10_000;

export async function startContainer(
  ctx: PodStepContext,
  spec: Container,
  record: ContainerRecord,
): Promise<void> {
  const sandbox = await ensureSandbox(ctx);
  try {
    await pullImage(ctx, spec);
  } catch (e) {
    const message = `Failed to pull image "${spec.image}": ${(e as Error).message}`;
    record.waiting = { reason: 'ErrImagePull', message };
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', message);
    ctx.requeueAfter(pullRetryMs);
    return;
  }
  const id = await ctx.runtime.createContainer(sandbox.id, {
    podUid: ctx.record.uid,
    name: spec.name,
    image: spec.image ?? '',
    command: spec.command,
    args: spec.args,
    attempt: record.restartCount,
    adoptStartedAtMs: record.adoptStartedAtMs,
  });
  const suffix = containerEventSuffix(ctx);
  ctx.recorder.event(ctx.pod, 'Normal', 'Created', `Created container: ${spec.name}${suffix}`);
  await ctx.runtime.startContainer(id);
  record.id = id;
  record.waiting = undefined;
  record.recordedExit = undefined;
  record.adoptStartedAtMs = undefined;
  ctx.recorder.event(ctx.pod, 'Normal', 'Started', `Started container ${spec.name}${suffix}`);
}
