// The docker provider's machines (kind-style container-nodes): each machine is a systemd
// container of the node image (vm-images/node) on the cluster's own Docker network, with its
// own IP and hostname, its own volume for /var/lib/docker (overlay on overlay fails), and
// root's SSH key put in before it starts. It runs with the flags shared/ENVIRONMENT.md
// measured (`--privileged` fails on these hosts: CAP_SYS_RESOURCE is not in the bounding set).
// The provider only creates, destroys, fails and recovers machines and hands back SSH
// endpoints; bootstrap (over SSH) makes them nodes.
//   poweroff   the container is killed (SIGKILL to its init): the machine and its pods die
//   partition  the container leaves the cluster network: alive, but nobody can reach it
//   recover    starts a killed machine, or reconnects a partitioned one with its old address
import type Docker from 'dockerode';
import { authorizedKeyArchive } from '../../images/node-authorized-key.js';

export const clusterLabel = 'dev.kubelab.cluster';
export const machineLabel = 'dev.kubelab.machine';
export const roleLabel = 'dev.kubelab.role';

export type MachineRole = 'control-plane' | 'worker';

export interface DockerMachineSpec {
  cluster: string;
  /** Machine (and Node) name, e.g. `lab-worker2`; also the container name and hostname. */
  name: string;
  role: MachineRole;
  /** The node image tag (kubelab/node:<hash>). */
  image: string;
  /** OpenSSH public key line root will accept. */
  publicKey: string;
}

export interface DockerMachine {
  name: string;
  role: MachineRole;
  containerId: string;
  /** Its address on the cluster network: SSH on port 22, the API server on 6443. */
  address: string;
  sshPort: number;
  user: string;
}

export const clusterNetworkName = (cluster: string): string => `kubelab-${cluster}`;
const dockerVolumeName = (cluster: string, machine: string): string => `kubelab-${cluster}-${machine}-docker`;

function statusCode(e: unknown): number | undefined {
  return (e as { statusCode?: number } | undefined)?.statusCode;
}

/**
 * The cluster's network, with a subnet kubelab picks (a /24 in 172.28.0.0/16, starting from a
 * hash of the cluster name): Docker lets a container rejoin with its old address (recovering
 * a partition) only on a network whose subnet was given explicitly.
 */
function ensureNetwork(docker: Docker, cluster: string): Promise<void> {
  // Docker accepts two networks of one name, so machines made at once must share one attempt.
  let pending = networksInFlight.get(cluster);
  if (!pending) {
    pending = createNetworkOnce(docker, cluster).finally(() => networksInFlight.delete(cluster));
    networksInFlight.set(cluster, pending);
  }
  return pending;
}
const networksInFlight = new Map<string, Promise<void>>();

async function createNetworkOnce(docker: Docker, cluster: string): Promise<void> {
  const name = clusterNetworkName(cluster);
  try {
    await docker.getNetwork(name).inspect();
    return;
  } catch (e) {
    if (statusCode(e) !== 404) throw e;
  }
  const start = [...cluster].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 256, 7);
  let lastError: unknown;
  for (let i = 0; i < 32; i++) {
    const block = (start + i) % 256;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Labels: { [clusterLabel]: cluster },
        IPAM: { Config: [{ Subnet: `172.28.${block}.0/24`, Gateway: `172.28.${block}.1` }] },
      });
      return;
    } catch (e) {
      // Another network has that block: try the next one.
      if (!/overlap/i.test((e as Error).message)) throw e;
      lastError = e;
    }
  }
  throw new Error(`no free /24 for network ${name} in 172.28.0.0/16: ${(lastError as Error).message}`);
}

async function ensureVolume(docker: Docker, cluster: string, machine: string): Promise<string> {
  const name = dockerVolumeName(cluster, machine);
  try {
    await docker.getVolume(name).inspect();
  } catch (e) {
    if (statusCode(e) !== 404) throw e;
    await docker.createVolume({ Name: name, Labels: { [clusterLabel]: cluster, [machineLabel]: machine } });
  }
  return name;
}

async function machineOf(docker: Docker, containerId: string): Promise<DockerMachine> {
  const info = await docker.getContainer(containerId).inspect();
  const labels = info.Config.Labels ?? {};
  const cluster = labels[clusterLabel] ?? '';
  const address = info.NetworkSettings.Networks[clusterNetworkName(cluster)]?.IPAddress ?? '';
  return {
    name: labels[machineLabel] ?? info.Name.replace(/^\//, ''),
    role: (labels[roleLabel] as MachineRole) ?? 'worker',
    containerId: info.Id,
    address,
    sshPort: 22,
    user: 'root',
  };
}

/**
 * What a container of the node image needs to run systemd, sshd and a nested Docker Engine:
 * the flags shared/ENVIRONMENT.md measured, with /var/lib/docker on `dockerVolume`.
 */
export function containerNodeHostConfig(dockerVolume: string): Docker.HostConfig {
  return {
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['apparmor=unconfined', 'seccomp=unconfined'],
    // `--security-opt systempaths=unconfined` is a docker CLI flag: in the API it is no masked
    // and no read-only /proc and /sys paths (systemd and the nested dockerd write there).
    MaskedPaths: [],
    ReadonlyPaths: [],
    Tmpfs: { '/run': 'rw', '/run/lock': 'rw' },
    Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw', `${dockerVolume}:/var/lib/docker`],
  };
}

/**
 * Creates and starts the machine, or returns it as it is when it exists (so `kubelab up` run
 * again repairs rather than duplicates): a stopped one is started again.
 */
export async function ensureDockerMachine(docker: Docker, spec: DockerMachineSpec): Promise<DockerMachine> {
  await ensureNetwork(docker, spec.cluster);
  const existing = await docker
    .getContainer(spec.name)
    .inspect()
    .catch((e: unknown) => {
      if (statusCode(e) === 404) return undefined;
      throw e;
    });
  if (existing) {
    if (existing.Config.Labels?.[clusterLabel] !== spec.cluster)
      throw new Error(
        `a container named ${spec.name} exists and is not a machine of cluster ${spec.cluster}: remove it (docker rm -f ${spec.name}) or pick another cluster name`,
      );
    if (!existing.State.Running) await docker.getContainer(existing.Id).start();
    return machineOf(docker, existing.Id);
  }
  const volume = await ensureVolume(docker, spec.cluster, spec.name);
  const container = await docker.createContainer({
    name: spec.name,
    Hostname: spec.name,
    Image: spec.image,
    Cmd: ['/sbin/init'],
    Env: ['container=docker'],
    StopSignal: 'SIGRTMIN+3',
    Labels: { [clusterLabel]: spec.cluster, [machineLabel]: spec.name, [roleLabel]: spec.role },
    HostConfig: {
      ...containerNodeHostConfig(volume),
      NetworkMode: clusterNetworkName(spec.cluster),
      RestartPolicy: { Name: 'no' },
    },
  });
  // The key goes in before the machine's first boot, so sshd accepts it from the start.
  await container.putArchive(authorizedKeyArchive(spec.publicKey), { path: '/' });
  await container.start();
  return machineOf(docker, container.id);
}

export async function listDockerMachines(docker: Docker, cluster: string): Promise<DockerMachine[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${clusterLabel}=${cluster}`] } });
  return Promise.all(list.map((c) => machineOf(docker, c.Id)));
}

/** Removes the machine, its /var/lib/docker volume and, with the last machine, the network. */
export async function destroyDockerMachine(docker: Docker, cluster: string, name: string): Promise<void> {
  await docker
    .getContainer(name)
    .remove({ force: true, v: true })
    .catch((e: unknown) => {
      if (statusCode(e) !== 404) throw e;
    });
  await docker
    .getVolume(dockerVolumeName(cluster, name))
    .remove()
    .catch((e: unknown) => {
      if (statusCode(e) !== 404) throw e;
    });
  if ((await listDockerMachines(docker, cluster)).length === 0)
    await docker
      .getNetwork(clusterNetworkName(cluster))
      .remove()
      .catch((e: unknown) => {
        if (statusCode(e) !== 404) throw e;
      });
}

export async function powerOffDockerMachine(docker: Docker, name: string): Promise<void> {
  await docker.getContainer(name).kill({ signal: 'SIGKILL' });
}

/** Takes the machine off the cluster network; it keeps running, unreachable. */
export async function partitionDockerMachine(docker: Docker, cluster: string, name: string): Promise<void> {
  await docker.getNetwork(clusterNetworkName(cluster)).disconnect({ Container: name, Force: true });
}

/** Undoes poweroff (starts it: systemd boots, units start) or partition (same address again). */
export async function recoverDockerMachine(
  docker: Docker,
  cluster: string,
  name: string,
  address: string,
): Promise<DockerMachine> {
  const info = await docker.getContainer(name).inspect();
  if (!info.State.Running) await docker.getContainer(name).start();
  else if (!info.NetworkSettings.Networks[clusterNetworkName(cluster)])
    await docker.getNetwork(clusterNetworkName(cluster)).connect({
      Container: name,
      EndpointConfig: { IPAMConfig: { IPv4Address: address } },
    });
  return machineOf(docker, name);
}
