// What the agent remembers about a pod it runs, beyond what the runtime reports: the
// sandbox, each container's current runtime id, restart count and previous termination, and
// whether a back-off holds it. It is rebuilt from the pod's status when an agent restarts
// (the status is the durable record; the sim runtime's containers died with the process).
import type { ContainerStateTerminated, Pod } from 'kubernetes-types/core/v1.js';
import { type RuntimeContainerStatus, runtimeContainerId, type Sandbox } from './runtime/runtime.js';

export interface ContainerRecord {
  id?: string;
  /** The exited instance before `id`, kept for `logs --previous` until the next restart. */
  previousId?: string;
  restartCount: number;
  /** The previous instance's exit: status.containerStatuses[].lastState.terminated. */
  lastTermination?: ContainerStateTerminated;
  /** An exit recorded in the pod status before an agent restart; there is no runtime container. */
  recordedExit?: RuntimeContainerStatus;
  /** Set while the container waits (CrashLoopBackOff) instead of running. */
  waiting?: { reason: string; message: string };
  /** When the last image pull failed (ImagePullBackOff runs from it). */
  pullFailedAtMs?: number;
  /** Start time to keep when re-creating a container that was running before an agent restart. */
  adoptStartedAtMs?: number;
}

export interface PodRecord {
  uid: string;
  startTime: string;
  sandbox?: Sandbox;
  /** Last `sim.kubelab.dev/crash` value acted on (or present when the agent took the pod). */
  crashSeen?: string;
  containers: Map<string, ContainerRecord>;
  /** ServiceAccount tokens of projected volumes, by audience and lifetime, and when to renew each. */
  serviceAccountTokens?: Map<string, { token: string; refreshAtMs: number }>;
  /** Set once graceful termination started. */
  stopping?: Promise<void>;
}

function parseTime(t: string | undefined): number | undefined {
  return t ? Date.parse(t) : undefined;
}

/**
 * A record for a pod the agent has not run in this process: new, or adopted after an agent
 * restart. Restart counts, previous exits and start times come from the pod status, so an
 * adopted pod keeps its history and nothing counts as a restart.
 */
export function recordForPod(pod: Pod, nowIso: string): PodRecord {
  const record: PodRecord = {
    uid: pod.metadata?.uid ?? '',
    startTime: pod.status?.startTime ?? nowIso,
    crashSeen: pod.metadata?.annotations?.['sim.kubelab.dev/crash'],
    containers: new Map(),
  };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const c: ContainerRecord = {
      restartCount: cs.restartCount ?? 0,
      lastTermination: cs.lastState?.terminated,
      previousId: runtimeContainerId(cs.lastState?.terminated?.containerID),
    };
    const running = cs.state?.running;
    const terminated = cs.state?.terminated ?? (cs.state?.waiting ? cs.lastState?.terminated : undefined);
    if (running) c.adoptStartedAtMs = parseTime(running.startedAt);
    else if (terminated) {
      if (cs.state?.waiting) c.lastTermination = undefined;
      c.recordedExit = {
        id: runtimeContainerId(terminated.containerID ?? cs.containerID) ?? '',
        podUid: record.uid,
        name: cs.name,
        image: cs.image,
        imageID: cs.imageID,
        attempt: c.restartCount,
        state: 'exited',
        createdAtMs: parseTime(terminated.startedAt) ?? 0,
        startedAtMs: parseTime(terminated.startedAt),
        finishedAtMs: parseTime(terminated.finishedAt),
        exitCode: terminated.exitCode,
        reason: terminated.reason,
      };
    }
    record.containers.set(cs.name, c);
  }
  return record;
}
