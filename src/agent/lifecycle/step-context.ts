// What every pod lifecycle step works with (Nomad's task-runner hooks share a TaskRunner the
// same way): the pod as the informer sees it, the agent's record of it, and the node's
// runtime, prober, back-off and event recorder. Steps never talk to the API server except
// through events; the pod sync loop alone writes status and deletes pods.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { ApiClient } from '../../client/rest-client.js';
import type { PodRecord } from '../pod-record.js';
import type { ContainerRuntime, ReadinessProber } from '../runtime/runtime.js';
import type { RestartBackOff } from './restart-backoff.js';

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

/** format.Pod in kubelet messages: `name_namespace(uid)`. */
export function podDescription(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

/** Events a user reads about a SIMULATED runtime say so. */
export function containerEventSuffix(ctx: PodStepContext): string {
  return ctx.runtime.simulated ? ' (SIMULATED)' : '';
}
