// Docker Engine create options for a pod sandbox and for the pod's containers (pure). The
// sandbox is a pause container that owns the pod's network, IPC and UTS namespaces and
// publishes its hostPorts; every app container joins it (`container:<sandbox>`), which is
// what makes the containers of one pod share localhost, as dockershim did.
import type Docker from 'dockerode';
import type { ContainerConfig, SandboxConfig } from './runtime.js';

export const pauseImage = 'kubelab/pause:1';

/** Docker's CPU period when it enforces NanoCpus is 100 ms; Kubernetes' minimum shares are 2. */
const minCpuShares = 2;

export function sandboxCreateOptions(
  config: SandboxConfig,
  name: string,
  labels: Record<string, string>,
  /** Docker's default bridge, or the node's pod network (docker-pod-network.ts). */
  network = 'bridge',
): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostPort: string; HostIp?: string }[]> = {};
  for (const p of config.portMappings ?? []) {
    const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
    exposed[key] = {};
    bindings[key] = [
      ...(bindings[key] ?? []),
      { HostPort: String(p.hostPort), ...(p.hostIP ? { HostIp: p.hostIP } : {}) },
    ];
  }
  return {
    name,
    Image: pauseImage,
    Hostname: config.podName.slice(0, 63),
    Labels: labels,
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: network,
      IpcMode: 'shareable',
      PortBindings: bindings,
      RestartPolicy: { Name: 'no' },
    },
  };
}

export function containerCreateOptions(
  sandboxId: string,
  config: ContainerConfig,
  name: string,
  labels: Record<string, string>,
): Docker.ContainerCreateOptions {
  const r = config.resources ?? {};
  // Kubernetes: command replaces the image ENTRYPOINT, args replace its CMD; args alone keep
  // the ENTRYPOINT.
  return {
    name,
    Image: config.image,
    Labels: labels,
    ...(config.command ? { Entrypoint: config.command, Cmd: config.args ?? [] } : {}),
    ...(!config.command && config.args ? { Cmd: config.args } : {}),
    Env: (config.env ?? []).map((e) => `${e.name}=${e.value}`),
    ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
    ...(config.user ? { User: config.user } : {}),
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      Binds: (config.mounts ?? []).map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
      RestartPolicy: { Name: 'no' },
      ...(r.cpuLimitMilli ? { NanoCpus: r.cpuLimitMilli * 1_000_000 } : {}),
      ...(r.memoryLimitBytes ? { Memory: r.memoryLimitBytes } : {}),
      ...(r.cpuRequestMilli !== undefined
        ? { CpuShares: Math.max(minCpuShares, Math.floor((r.cpuRequestMilli * 1024) / 1000)) }
        : {}),
    },
  };
}
