// One step of a pod's lifecycle, after Nomad's task-runner hooks
// (client/allocrunner/taskrunner/*_hook.go): a step implements only the hooks it takes part
// in, and the pod sync loop calls each hook of every step in the order of the step list —
// kill in reverse, so teardown undoes setup last-in first-out. All hooks share one context:
// the pod as the informer sees it, the agent's record of it, and the node's runtime, prober,
// back-off and event recorder. Steps write to the API server only through events; the pod
// sync loop alone writes status and deletes pods.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/clock.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { ApiClient } from '../client/rest-client.js';
import type { ContainerRecord, PodRecord } from './pod-record.js';
import type { RestartBackOff } from './restart-backoff.js';
import type { ContainerRuntime, Mount, ReadinessProber, RuntimeContainerStatus } from './runtime/runtime.js';

export interface PodStep {
  /** Names the step in errors, as Nomad's hooks do. */
  readonly name: string;
  /** The agent takes a pod it has no record of in this process: new, or after an agent restart. */
  restore?(ctx: PodStepContext): Promise<void>;
  /** Every sync of a pod that is neither finished nor being deleted, before its containers. */
  update?(ctx: PodStepContext): Promise<void>;
  /** Before a container is created; false holds it (the step has recorded why and asked for a requeue). */
  prestart?(ctx: ContainerStepContext): Promise<boolean>;
  /** Creates and starts the container from what the prestart hooks gathered. */
  start?(ctx: ContainerStepContext): Promise<void>;
  /** The container has exited: true to start it again, through prestart and start. */
  exited?(ctx: ContainerStepContext): Promise<boolean>;
  /** Every sync, after the container was started or left as it is: its readiness. */
  poststart?(ctx: ContainerStepContext): Promise<void>;
  /** The pod is being deleted: stop it gracefully. The pod is synced again once every stop hook resolves. */
  stop?(ctx: PodStepContext): Promise<void>;
  /** The pod is dropped at once (gone from the API, bound elsewhere, orphaned): remove what the step set up. */
  kill?(node: NodeRuntimeContext, remains: PodRemains): Promise<void>;
}

export interface NodeRuntimeContext {
  /** Read-only use by steps: the configMaps and secrets a pod's env and volumes name. */
  client: ApiClient;
  nodeName: string;
  /** Where pod volumes live on the host (`<dir>/<pod uid>/volumes/...`); unset: no volumes (sim). */
  podsDir?: string;
  runtime: ContainerRuntime;
  prober: ReadinessProber;
  clock: Clock;
  backoff: RestartBackOff;
  recorder: EventRecorder;
}

export interface PodStepContext extends NodeRuntimeContext {
  pod: Pod;
  record: PodRecord;
  /** Asks for another sync of this pod within `ms` (the earliest request wins). */
  requeueAfter(ms: number): void;
}

export interface ContainerStepContext extends PodStepContext {
  spec: Container;
  /** An init container: runs to completion before the next one starts, and has no probes. */
  init: boolean;
  container: ContainerRecord;
  /** The runtime's container now, or the exit the pod status recorded before an agent restart. */
  status?: RuntimeContainerStatus;
  /** What prestart hooks gather for the container about to be created (Nomad's prestart response). */
  launch: { mounts: Mount[]; env: Map<string, string>; command?: string[]; args?: string[] };
  /** Set by poststart hooks. */
  ready: boolean;
  /** The startup probe passed; unset for init containers. */
  started?: boolean;
}

/** What the runtime holds for a pod being dropped: from the agent's record, or found orphaned. */
export interface PodRemains {
  uid: string;
  containers: { name: string; id?: string }[];
  sandboxId?: string;
}

/** format.Pod in kubelet messages: `name_namespace(uid)`. */
export function podDescription(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

/** Events a user reads about a SIMULATED runtime say so. */
export function containerEventSuffix(ctx: PodStepContext): string {
  return ctx.runtime.simulated ? ' (SIMULATED)' : '';
}

/** How soon a container held by a volume, a configMap/secret or a failed start is tried again. */
export const containerRetryMs = 2_000;

/** A container that could not be created or started waits with the kubelet's reason and event. */
export function containerFailed(ctx: ContainerStepContext, reason: string, message: string): void {
  ctx.container.waiting = { reason, message };
  ctx.recorder.event(ctx.pod, 'Warning', 'Failed', `Error: ${message}`);
}
