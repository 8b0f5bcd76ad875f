// Step: volumes, sandbox, environment, image, then create and start one container in the
// pod's sandbox. Each failure is the waiting reason the kubelet gives: FailedMount keeps the
// container ContainerCreating, CreateContainerConfigError (a missing configMap/secret or
// key), ErrImagePull/ImagePullBackOff, CreateContainerError and RunContainerError (with the
// runtime's own message). A start that failed leaves an exited container (StartError), which
// the restart step then treats as any other exit, crash-loop back-off included.
import type { Container } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/quantity.js';
import type { ContainerRecord } from '../pod-record.js';
import { type ContainerConfig, runtimeErrorMessage } from '../runtime/runtime.js';
import { ContainerConfigError, containerEnv, expandVariables } from './container-env.js';
import { containerMounts, preparePodVolumes, VolumeSetupError } from './pod-volumes.js';
import { pullImage } from './pull-image.js';
import { ensureSandbox } from './sandbox.js';
import { containerEventSuffix, type PodStepContext } from './step-context.js';

/** How soon a pod waiting for a volume or a configMap/secret is tried again. */
const configRetryMs = 2_000;

function resources(spec: Container): ContainerConfig['resources'] {
  const limits = spec.resources?.limits ?? {};
  const requests = spec.resources?.requests ?? {};
  return {
    ...(limits.cpu !== undefined ? { cpuLimitMilli: parseQuantity(limits.cpu).milliValue() } : {}),
    ...(limits.memory !== undefined ? { memoryLimitBytes: parseQuantity(limits.memory).value() } : {}),
    ...(requests.cpu !== undefined ? { cpuRequestMilli: parseQuantity(requests.cpu).milliValue() } : {}),
  };
}

function user(ctx: PodStepContext, spec: Container): string | undefined {
  const uid = spec.securityContext?.runAsUser ?? ctx.pod.spec?.securityContext?.runAsUser;
  const gid = spec.securityContext?.runAsGroup ?? ctx.pod.spec?.securityContext?.runAsGroup;
  if (uid === undefined) return undefined;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

function failed(ctx: PodStepContext, record: ContainerRecord, reason: string, message: string): void {
  record.waiting = { reason, message };
  ctx.recorder.event(ctx.pod, 'Warning', 'Failed', `Error: ${message}`);
}

export async function startContainer(
  ctx: PodStepContext,
  spec: Container,
  record: ContainerRecord,
): Promise<void> {
  let volumes: Map<string, string>;
  try {
    volumes = await preparePodVolumes(ctx);
  } catch (e) {
    if (!(e instanceof VolumeSetupError)) throw e;
    record.waiting = undefined;
    ctx.recorder.event(ctx.pod, 'Warning', 'FailedMount', e.message);
    ctx.requeueAfter(configRetryMs);
    return;
  }
  const sandbox = await ensureSandbox(ctx);
  let env: Map<string, string>;
  try {
    env = await containerEnv(ctx, spec);
  } catch (e) {
    if (!(e instanceof ContainerConfigError)) throw e;
    failed(ctx, record, 'CreateContainerConfigError', e.message);
    ctx.requeueAfter(configRetryMs);
    return;
  }
  const imageID = await pullImage(ctx, spec, record);
  if (imageID === undefined) return;
  const suffix = containerEventSuffix(ctx);
  let id: string;
  try {
    id = await ctx.runtime.createContainer(sandbox.id, {
      podUid: ctx.record.uid,
      name: spec.name,
      image: spec.image ?? '',
      command: spec.command?.map((s) => expandVariables(s, env)),
      args: spec.args?.map((s) => expandVariables(s, env)),
      attempt: record.restartCount,
      adoptStartedAtMs: record.adoptStartedAtMs,
      env: [...env].map(([name, value]) => ({ name, value })),
      workingDir: spec.workingDir,
      mounts: containerMounts(ctx, spec, volumes),
      resources: resources(spec),
      user: user(ctx, spec),
    });
  } catch (e) {
    failed(ctx, record, 'CreateContainerError', runtimeErrorMessage(e));
    ctx.requeueAfter(ctx.backoff.initialMs);
    return;
  }
  ctx.recorder.event(ctx.pod, 'Normal', 'Created', `Created container: ${spec.name}${suffix}`);
  record.id = id;
  record.recordedExit = undefined;
  record.adoptStartedAtMs = undefined;
  try {
    await ctx.runtime.startContainer(id);
  } catch (e) {
    failed(ctx, record, 'RunContainerError', runtimeErrorMessage(e));
    // Runtimes report no exit for a start that failed: look again, to restart it under back-off.
    ctx.requeueAfter(configRetryMs);
    return;
  }
  record.waiting = undefined;
  ctx.recorder.event(ctx.pod, 'Normal', 'Started', `Started container ${spec.name}${suffix}`);
}
