// Pod status exactly as the kubelet reports it: phase from the containers' states
// (kubelet's getPhase), the PodReadyToStartContainers/Initialized/ContainersReady/Ready
// conditions with transition times that move only when the status does, and one
// containerStatus per container (state, lastState, ready, started, restartCount, ids).
// Pure: the pod sync loop gathers the facts, this turns them into a PodStatus.
import type {
  Container,
  ContainerStateTerminated,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../api/time.js';
import type { ContainerRecord } from './pod-record.js';
import type { RuntimeContainerStatus } from './runtime/runtime.js';

export interface ContainerView {
  spec: Container;
  record?: ContainerRecord;
  /** The current runtime container, or the exit the pod status recorded before an agent restart. */
  status?: RuntimeContainerStatus;
  ready: boolean;
  /** The startup probe passed (default: the container runs). */
  started?: boolean;
  /** Waiting reason before the container exists: ContainerCreating, or PodInitializing behind init containers. */
  pendingReason: string;
}

export interface PodStatusFacts {
  runtimeType: string;
  hostIP: string;
  podIP?: string;
  startTime: string;
  init: ContainerView[];
  containers: ContainerView[];
  nowMs: number;
}

export function terminatedState(s: RuntimeContainerStatus, runtimeType: string): ContainerStateTerminated {
  const exitCode = s.exitCode ?? 0;
  return {
    exitCode,
    reason: s.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
    startedAt: s.startedAtMs !== undefined ? rfc3339(s.startedAtMs) : undefined,
    finishedAt: s.finishedAtMs !== undefined ? rfc3339(s.finishedAtMs) : undefined,
    containerID: `${runtimeType}://${s.id}`,
    ...(s.message ? { message: s.message } : {}),
  };
}

function containerStatus(v: ContainerView, runtimeType: string): ContainerStatus {
  const s = v.status;
  const r = v.record;
  let state: ContainerStatus['state'];
  let lastTerminated = r?.lastTermination;
  if (r?.waiting) {
    state = { waiting: r.waiting };
    // While backing off, the exit being waited on is the last state (kubelet shows it so).
    if (s?.state === 'exited') lastTerminated = terminatedState(s, runtimeType);
  } else if (!s || s.state === 'created') state = { waiting: { reason: v.pendingReason } };
  else if (s.state === 'running') state = { running: { startedAt: rfc3339(s.startedAtMs ?? 0) } };
  else state = { terminated: terminatedState(s, runtimeType) };
  return {
    name: v.spec.name,
    state,
    lastState: lastTerminated ? { terminated: lastTerminated } : {},
    ready: v.ready,
    restartCount: r?.restartCount ?? 0,
    image: v.spec.image ?? '',
    imageID: s?.imageID ?? '',
    ...(s ? { containerID: `${runtimeType}://${s.id}` } : {}),
    started: s?.state === 'running' && v.started !== false,
  };
}

function exitCodeOf(v: ContainerView): number | undefined {
  return v.status?.state === 'exited' ? (v.status.exitCode ?? 0) : undefined;
}

/** kubelet's getPhase. */
export function podPhase(restartPolicy: string | undefined, facts: PodStatusFacts): PodStatus['phase'] {
  const initFailed = facts.init.some((v) => (exitCodeOf(v) ?? 0) !== 0 && !v.record?.waiting);
  if (initFailed && restartPolicy === 'Never') return 'Failed';
  if (facts.init.some((v) => exitCodeOf(v) !== 0)) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const v of facts.containers) {
    const code = exitCodeOf(v);
    if (v.record?.waiting) {
      // A container waiting to restart has run before: it counts as stopped, not pending.
      if (v.status?.state === 'exited' || v.record.lastTermination) stopped++;
      else waiting++;
    } else if (v.status?.state === 'running') running++;
    else if (code === undefined) waiting++;
    else {
      stopped++;
      if (code === 0) succeeded++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(
  old: PodCondition[] | undefined,
  type: string,
  ok: boolean,
  nowMs: number,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime:
      prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(nowMs),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

const ownConditions = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

export function buildPodStatus(pod: Pod, facts: PodStatusFacts): PodStatus {
  const old = pod.status?.conditions;
  const phase = podPhase(pod.spec?.restartPolicy, facts);
  const completed = phase === 'Succeeded' || phase === 'Failed';
  const incomplete = facts.init.filter((v) => exitCodeOf(v) !== 0).map((v) => v.spec.name);
  const unready = facts.containers.filter((v) => !v.ready).map((v) => v.spec.name);
  const readyReason = completed ? 'PodCompleted' : unready.length ? 'ContainersNotReady' : undefined;
  const readyMessage =
    !completed && unready.length ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const conditions: PodCondition[] = [
    condition(old, 'PodReadyToStartContainers', facts.podIP !== undefined, facts.nowMs),
    condition(
      old,
      'Initialized',
      incomplete.length === 0,
      facts.nowMs,
      incomplete.length ? 'ContainersNotInitialized' : undefined,
      incomplete.length ? `containers with incomplete status: [${incomplete.join(' ')}]` : undefined,
    ),
    condition(old, 'Ready', !completed && !unready.length, facts.nowMs, readyReason, readyMessage),
    condition(old, 'ContainersReady', !completed && !unready.length, facts.nowMs, readyReason, readyMessage),
    ...(old ?? []).filter((c) => !ownConditions.has(c.type)),
  ];
  return {
    phase,
    conditions,
    hostIP: facts.hostIP,
    hostIPs: [{ ip: facts.hostIP }],
    ...(facts.podIP ? { podIP: facts.podIP, podIPs: [{ ip: facts.podIP }] } : {}),
    startTime: facts.startTime,
    ...(facts.init.length
      ? { initContainerStatuses: facts.init.map((v) => containerStatus(v, facts.runtimeType)) }
      : {}),
    containerStatuses: facts.containers.map((v) => containerStatus(v, facts.runtimeType)),
  };
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** True when writing `next` would change the pod's status (only the fields the agent owns). */
export function podStatusChanged(current: PodStatus | undefined, next: PodStatus): boolean {
  const owned = Object.fromEntries(
    Object.keys(next).map((k) => [k, (current as Record<string, unknown> | undefined)?.[k]]),
  );
  return JSON.stringify(canonical(owned)) !== JSON.stringify(canonical(next));
}
