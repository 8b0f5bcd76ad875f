// Which runtime container a `kubectl logs` request means, decided from the pod's status as the
// kubelet's validateContainerLogStatus does (the status is the agent's record of container
// IDs, including the previous attempt's in lastState.terminated), with the kubelet's own
// error messages for a container that has nothing to show yet. And the request's query, read
// as PodLogOptions.
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { statusErrors } from '../api/status-error.js';
import { type ContainerLogOptions, runtimeContainerId } from './runtime/runtime.js';

export interface LogRequest {
  options: ContainerLogOptions;
  previous: boolean;
}

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === 'true' || v === '1';
}

function nonNegativeInt(query: URLSearchParams, name: string, min: number): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw statusErrors.badRequest(
      `${name}: Invalid value: ${JSON.stringify(v)}: must be ${min === 0 ? 'greater than or equal to 0' : 'greater than 0'}`,
    );
  return n;
}

/** The query of `/containerLogs/...` (and of pods/{name}/log) as the runtime's options. */
export function parseLogRequest(query: URLSearchParams): LogRequest {
  return {
    previous: flag(query, 'previous'),
    options: {
      follow: flag(query, 'follow'),
      timestamps: flag(query, 'timestamps'),
      tailLines: nonNegativeInt(query, 'tailLines', 0),
      sinceSeconds: nonNegativeInt(query, 'sinceSeconds', 1),
    },
  };
}

/**
 * The runtime id of the container whose log to show: the previous attempt (`previous`), the
 * running one, else the last that ran. Throws BadRequest with the kubelet's words otherwise.
 */
export function logContainerId(pod: Pod, containerName: string, previous: boolean): string {
  const podName = pod.metadata?.name ?? '';
  const all: ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const status = all.find((s) => s.name === containerName);
  const where = `container "${containerName}" in pod "${podName}"`;
  if (!status) throw statusErrors.badRequest(`${where} is waiting to start: ContainerCreating`);
  const { running, terminated, waiting } = status.state ?? {};
  const last = runtimeContainerId(status.lastState?.terminated?.containerID);
  if (previous) {
    if (!last) throw statusErrors.badRequest(`previous terminated ${where} not found`);
    return last;
  }
  const current = runtimeContainerId(status.containerID);
  if (running && current) return current;
  if (terminated) {
    const id = runtimeContainerId(terminated.containerID) ?? last;
    if (!id) throw statusErrors.badRequest(`${where} is terminated`);
    return id;
  }
  if (last) return last;
  if (waiting?.reason === 'ErrImagePull')
    throw statusErrors.badRequest(`${where} is waiting to start: image can't be pulled`);
  if (waiting?.reason === 'ImagePullBackOff')
    throw statusErrors.badRequest(`${where} is waiting to start: trying and failing to pull image`);
  if (waiting?.reason) throw statusErrors.badRequest(`${where} is waiting to start: ${waiting.reason}`);
  throw statusErrors.badRequest(`${where} is waiting to start - no logs yet`);
}
