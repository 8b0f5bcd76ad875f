// The docker provider's machines: container-nodes of the node image on the cluster's own
// network, reached over real SSH (ssh2) with the cluster's key and a pinned host key; systemd
// runs inside and so does a nested Docker Engine. Then the failure modes: poweroff kills the
// machine, partition cuts it off the network while it keeps running, recover undoes both with
// the same address; ensure is idempotent; destroy removes container, volume and network.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNodeImage } from '../../src/images/node-image.js';
import {
  clusterNetworkName,
  type DockerMachine,
  destroyDockerMachine,
  ensureDockerMachine,
  listDockerMachines,
  partitionDockerMachine,
  powerOffDockerMachine,
  recoverDockerMachine,
} from '../../src/provision/providers/docker-machines.js';
import { connectToMachine, ensureSshKeyPair, sshRun } from '../../src/provision/ssh/index.js';
import { holdLockForFile, nodeImageBuilt } from '../helpers/e2e-fixtures.js';
import { until } from '../helpers/until.js';

const docker = new Docker();
const cluster = `e2e${process.pid}`;
let dir: string;
let image: string;
let publicKey: string;
let privateKeyPath: string;
let machine: DockerMachine;

const ssh = async (m: DockerMachine, deadlineMs = 60_000) =>
  connectToMachine(
    m.name,
    { address: m.address, port: m.sshPort, user: m.user, privateKeyPath },
    { knownHostsPath: join(dir, 'known_hosts'), deadlineMs },
  );

holdLockForFile('host-docker', 'shared');
// Machines are created from the node image's tag all through the file.
holdLockForFile('node-image', 'shared');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelab-docker-machines-'));
  await nodeImageBuilt({ docker: true });
  const built = await buildNodeImage({ docker });
  if (!built.dockerImage) throw new Error('the node image has no Docker image');
  image = built.dockerImage;
  ({ publicKey, privateKeyPath } = await ensureSshKeyPair(join(dir, 'id_ed25519'), `kubelab-${cluster}`));
}, 900_000);

afterAll(async () => {
  for (const m of await listDockerMachines(docker, cluster))
    await destroyDockerMachine(docker, cluster, m.name);
  await rm(dir, { recursive: true, force: true });
});

describe('docker provider machines (container-nodes)', () => {
  it('creates a machine that boots systemd, answers SSH with the cluster key, and runs Docker inside', async () => {
    machine = await ensureDockerMachine(docker, {
      cluster,
      name: `${cluster}-worker`,
      role: 'worker',
      image,
      publicKey,
    });
    expect(machine.address).toMatch(/^172\.28\.\d+\.\d+$/);
    const c = await ssh(machine);
    try {
      expect((await sshRun(c, 'hostname')).stdout.trim()).toBe(`${cluster}-worker`);
      const state = await until(
        'systemd running',
        async () => {
          const r = await sshRun(c, 'systemctl is-system-running || true');
          return /^(running|degraded)$/.test(r.stdout.trim()) && r.stdout.trim();
        },
        60_000,
      );
      expect(state).toMatch(/running|degraded/);
      await until(
        'the nested Docker Engine',
        async () => (await sshRun(c, 'docker info -f {{.ServerVersion}} || true')).stdout.trim().length > 0,
        60_000,
      );
    } finally {
      c.close();
    }
    // Idempotent: the same machine, not a second one.
    const again = await ensureDockerMachine(docker, {
      cluster,
      name: `${cluster}-worker`,
      role: 'worker',
      image,
      publicKey,
    });
    expect(again.containerId).toBe(machine.containerId);
    expect((await listDockerMachines(docker, cluster)).map((m) => m.name)).toEqual([`${cluster}-worker`]);
  });

  it('partition: the machine keeps running but cannot be reached; recover brings it back at its address', async () => {
    await partitionDockerMachine(docker, cluster, machine.name);
    expect((await docker.getContainer(machine.name).inspect()).State.Running).toBe(true);
    await expect(ssh(machine, 3_000)).rejects.toThrow(machine.name);
    const back = await recoverDockerMachine(docker, cluster, machine.name, machine.address);
    expect(back.address).toBe(machine.address);
    const c = await ssh(back);
    expect((await sshRun(c, 'echo ok')).stdout.trim()).toBe('ok');
    c.close();
  });

  it('poweroff: the machine dies; recover boots it again with the same address and host key', async () => {
    await powerOffDockerMachine(docker, machine.name);
    expect((await docker.getContainer(machine.name).inspect()).State.Running).toBe(false);
    const back = await recoverDockerMachine(docker, cluster, machine.name, machine.address);
    expect(back.address).toBe(machine.address);
    // The pinned host key still matches: keys are made at first boot and kept on the machine.
    const c = await ssh(back);
    expect((await sshRun(c, 'cat /proc/1/comm')).stdout.trim()).toBe('systemd');
    c.close();
  });

  it('destroy removes the container, its volume and the network with the last machine', async () => {
    await destroyDockerMachine(docker, cluster, machine.name);
    expect(await listDockerMachines(docker, cluster)).toEqual([]);
    await expect(docker.getNetwork(clusterNetworkName(cluster)).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      docker.getVolume(`kubelab-${cluster}-${machine.name}-docker`).inspect(),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
