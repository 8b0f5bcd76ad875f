// Step: create and start one container in the pod's sandbox, from what the prestart steps
// gathered (volumes, sandbox, environment, image). Each failure is the waiting reason the
// kubelet gives: CreateContainerError and RunContainerError, with the runtime's own message.
// A start that failed leaves an exited container (StartError), which the restart step then
// treats as any other exit, crash-loop back-off included.
import type { Container } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/quantity.js';
import {
  type ContainerStepContext,
  containerEventSuffix,
  containerFailed,
  containerRetryMs,
  type PodStep,
} from '../pod-step.js';
import { type ContainerConfig, runtimeErrorMessage } from '../runtime/runtime.js';

function resources(spec: Container): ContainerConfig['resources'] {
  const limits = spec.resources?.limits ?? {};
  const requests = spec.resources?.requests ?? {};
  return {
    ...(limits.cpu !== undefined ? { cpuLimitMilli: parseQuantity(limits.cpu).milliValue() } : {}),
    ...(limits.memory !== undefined ? { memoryLimitBytes: parseQuantity(limits.memory).value() } : {}),
    ...(requests.cpu !== undefined ? { cpuRequestMilli: parseQuantity(requests.cpu).milliValue() } : {}),
  };
}

function user(ctx: ContainerStepContext): string | undefined {
  const { spec } = ctx;
  const uid = spec.securityContext?.runAsUser ?? ctx.pod.spec?.securityContext?.runAsUser;
  const gid = spec.securityContext?.runAsGroup ?? ctx.pod.spec?.securityContext?.runAsGroup;
  if (uid === undefined) return undefined;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

async function startContainer(ctx: ContainerStepContext): Promise<void> {
  const { spec, container, launch } = ctx;
  const suffix = containerEventSuffix(ctx);
  let id: string;
  try {
    id = await ctx.runtime.createContainer(ctx.record.sandbox?.id ?? '', {
      podUid: ctx.record.uid,
      name: spec.name,
      image: spec.image ?? '',
      command: launch.command,
      args: launch.args,
      attempt: container.restartCount,
      adoptStartedAtMs: container.adoptStartedAtMs,
      env: [...launch.env].map(([name, value]) => ({ name, value })),
      workingDir: spec.workingDir,
      mounts: launch.mounts,
      resources: resources(spec),
      user: user(ctx),
    });
  } catch (e) {
    containerFailed(ctx, 'CreateContainerError', runtimeErrorMessage(e));
    ctx.requeueAfter(ctx.backoff.initialMs);
    return;
  }
  ctx.recorder.event(ctx.pod, 'Normal', 'Created', `Created container: ${spec.name}${suffix}`);
  container.id = id;
  container.recordedExit = undefined;
  container.adoptStartedAtMs = undefined;
  try {
    await ctx.runtime.startContainer(id);
  } catch (e) {
    containerFailed(ctx, 'RunContainerError', runtimeErrorMessage(e));
    // Runtimes report no exit for a start that failed: look again, to restart it under back-off.
    ctx.requeueAfter(containerRetryMs);
    return;
  }
  container.waiting = undefined;
  ctx.recorder.event(ctx.pod, 'Normal', 'Started', `Started container ${spec.name}${suffix}`);
}

export const startContainerStep: PodStep = { name: 'start-container', start: startContainer };
