// The node image built for real from Debian's packages (debootstrap, needs root and
// deb.debian.org), then used both ways it is made for, each reached over real SSH with a
// key injected as vm-images/node/README.md says: a container-node started with the flags
// in shared/ENVIRONMENT.md, and a qemu VM under TCG (software emulation).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizedKeyArchive,
  authorizedKeyKernelArgument,
  buildNodeImage,
  ensureImage,
  type NodeImage,
  type NodeImageProgress,
  nodeImageRepository,
  recipeHashLabel,
} from '../../src/images/index.js';
import { containerNodeHostConfig } from '../../src/provision/providers/docker-machines.js';
import { freeLoopbackPort } from '../../src/provision/providers/qemu-host-ports.js';
import {
  connectToMachine,
  ensureSshKeyPair,
  readHostKeyPins,
  readMachineFacts,
  type SshConnection,
  type SshKeyPair,
  sshExec,
  sshRun,
} from '../../src/provision/ssh/index.js';
import { holdLockForFile, nodeImageBuilt, withLock } from '../helpers/e2e-fixtures.js';
import { kubelab, runCommand } from '../helpers/run-command.js';

const docker = new Dockerode();
const testLabel = 'dev.kubelab.test';
const testLabelValue = 'node-image-e2e';
// A KUBELAB_HOME of its own: the first build is a real, cold one, whatever the machine has cached.
const home = mkdtempSync(join(tmpdir(), 'kubelab-node-image-'));
const cacheRoot = join(home, 'images', 'node');
const volume = `kubelab-node-image-e2e-${process.pid}`;
const sshDir = join(home, 'ssh');
// Host keys are pinned on first use by machine name, as bootstrap pins them.
const knownHostsPath = join(sshDir, 'known_hosts');
let key: SshKeyPair;
let image: NodeImage;
let vm: ChildProcess | undefined;

async function removeTestContainers(): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${testLabel}=${testLabelValue}`] },
  });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
}

holdLockForFile('host-docker', 'shared');
// A cluster of its own (or a node image build): one such file at a time on two cores.
holdLockForFile('machines', 'exclusive');

beforeAll(async () => {
  // The machine's own node image in Docker Engine, as other files had it made before this one
  // ran alone: this file's cold build then finds its Docker image there ('up to date'), and
  // no two imports of one tag race.
  await nodeImageBuilt({ docker: true });
  await removeTestContainers();
  key = await ensureSshKeyPair(join(sshDir, 'id_ed25519'), 'kubelab-node-image-e2e');
});
afterAll(async () => {
  vm?.kill('SIGKILL');
  await removeTestContainers();
  await docker
    .getVolume(volume)
    .remove()
    .catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Streams kubelab/pause:1 into the machine's Docker Engine and runs a command in it there. */
async function runNestedContainer(connection: SshConnection): Promise<string> {
  await ensureImage(docker, 'kubelab/pause:1');
  const archive = new Readable().wrap(await docker.getImage('kubelab/pause:1').get());
  const { stdout } = await sshRun(
    connection,
    "docker load && docker run --rm kubelab/pause:1 /bin/sh -c 'echo hello from a nested container'",
    { stdin: archive, timeoutMs: 180_000 },
  );
  return stdout;
}

/** `systemctl is-system-running --wait`, with the failed units when it is not "running". */
async function systemState(connection: SshConnection): Promise<string> {
  const result = await sshExec(
    connection,
    'systemctl is-system-running --wait; systemctl --failed --no-legend',
    {
      timeoutMs: 240_000,
    },
  );
  return result.stdout.trim();
}

/** What bootstrap will find on the machine: Debian, systemd, root, Docker Engine running. */
async function expectNodeFacts(connection: SshConnection): Promise<void> {
  const facts = await readMachineFacts(connection);
  expect(facts).toMatchObject({
    os: { id: 'debian', versionId: '12' },
    architecture: 'amd64',
    initSystem: 'systemd',
    rootAccess: 'root',
    docker: { installed: true },
  });
  expect(facts.docker.serverVersion).toMatch(/^\d+\./);
}

describe('node image', () => {
  it('builds from Debian packages with debootstrap, and the second build is a cache hit', {
    timeout: 15 * 60_000,
  }, async () => {
    const steps: string[] = [];
    const onProgress = (e: NodeImageProgress) => {
      if (e.state !== 'detail') steps.push(`${e.step} ${e.state}`);
    };
    image = await buildNodeImage({ docker, cacheRoot, onProgress });
    expect(image.built).toBe(true);
    // Docker Engine may have this recipe's image already (it is named by the recipe hash);
    // importing it is the next test's.
    expect(steps).toEqual([
      ...['debootstrap', 'configure', 'rootfs archive', 'qemu disk'].flatMap((s) => [
        `${s} started`,
        `${s} done`,
      ]),
      ...(image.dockerImported ? ['docker image started', 'docker image done'] : ['docker image up to date']),
    ]);
    expect(image.dir).toBe(join(cacheRoot, image.recipeHash));
    expect(image.manifest.kernelVersion).toMatch(/-cloud-amd64$/);

    const info = await docker.getImage(image.dockerImage!).inspect();
    expect(image.dockerImage).toBe(`${nodeImageRepository}:${image.recipeHash.slice(0, 12)}`);
    expect(info.Config.Labels?.[recipeHashLabel]).toBe(image.recipeHash);
    expect(info.Config.Cmd).toEqual(['/sbin/init']);
    expect(info.Config.Env).toContain('container=docker');
    expect((info.Config as { StopSignal?: string }).StopSignal).toBe('SIGRTMIN+3');
    expect((await docker.getImage(`${nodeImageRepository}:latest`).inspect()).Id).toBe(info.Id);

    // Nothing that identifies one machine is baked in: no host keys, no user keys, no machine-id.
    const listing = await runCommand('tar', ['-tf', image.rootfsArchive], { timeoutMs: 60_000 });
    const paths = listing.stdout.split('\n');
    expect(paths).toContain('./usr/sbin/sshd');
    expect(paths.filter((p) => /^\.\/etc\/ssh\/ssh_host_|\.ssh\/authorized_keys/.test(p))).toEqual([]);
    // The kernel is for the qemu disk only.
    expect(paths.filter((p) => /^\.\/(usr\/lib\/modules|boot)\/./.test(p))).toEqual([]);
    const machineId = await runCommand('tar', ['-xOf', image.rootfsArchive, './etc/machine-id']);
    expect(machineId.stdout).toBe('');

    // The second build, through the CLI as a person runs it: a cache hit, nothing rebuilt.
    const second = await kubelab(['images', 'build', 'node'], {
      env: { KUBELAB_HOME: home },
      timeoutMs: 120_000,
    });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`node image: up to date (${image.dir})`);
    expect(second.stdout).toContain(`node image: docker image: up to date (${image.dockerImage})`);
    const list = await kubelab(['images', 'list'], { env: { KUBELAB_HOME: home }, timeoutMs: 60_000 });
    expect(list.stdout).toMatch(new RegExp(`${image.dockerImage}\\s+up to date`));
    expect(list.stdout).toMatch(new RegExp(`node disk ${image.recipeHash.slice(0, 12)}\\s+built`));
    console.log(
      `node image built in ${seconds(image.durationMs)} (debootstrap etc. ${seconds(image.manifest.buildMs)}); ` +
        `docker image ${(info.Size / 1e6).toFixed(0)} MB; cached build: ${second.stdout.split('\n')[0]}`,
    );
  });

  it(
    're-imports the Docker image from the cache when Docker Engine lost it',
    {
      timeout: 5 * 60_000,
    },
    () =>
      // No other file creates a container-node from this tag while it is gone.
      withLock('node-image', 'exclusive', async () => {
        // Forced: a container-node of someone's cluster may be using it (it keeps its image).
        await docker.getImage(image.dockerImage!).remove({ force: true });
        await docker.getImage(`${nodeImageRepository}:latest`).remove({ force: true });
        const again = await buildNodeImage({ docker, cacheRoot });
        expect(again).toMatchObject({ built: false, dockerImported: true, dockerImage: image.dockerImage });
        const info = await docker.getImage(image.dockerImage!).inspect();
        expect(info.Config.Labels?.[recipeHashLabel]).toBe(image.recipeHash);
        image = again;
      }),
  );

  it('runs as a container-node: systemd, sshd with the injected key, and a nested Docker Engine', {
    timeout: 10 * 60_000,
  }, async () => {
    const container = await docker.createContainer({
      Image: image.dockerImage!,
      name: `kubelab-node-image-e2e-${process.pid}`,
      Hostname: 'node-e2e',
      Cmd: ['/sbin/init'],
      Labels: { [testLabel]: testLabelValue },
      HostConfig: containerNodeHostConfig(volume),
    });
    await container.putArchive(authorizedKeyArchive(key.publicKey), { path: '/' });
    const startedAt = performance.now();
    await container.start();
    const address = (await container.inspect()).NetworkSettings.Networks.bridge?.IPAddress ?? '';
    const connection = await connectToMachine(
      'node-e2e',
      { address, port: 22, user: 'root', privateKeyPath: key.privateKeyPath },
      { knownHostsPath, deadlineMs: 120_000 },
    );
    const sshMs = performance.now() - startedAt;
    try {
      expect(await systemState(connection)).toBe('running');
      await expectNodeFacts(connection);
      const { stdout } = await sshRun(
        connection,
        'systemd-detect-virt; hostname; docker info --format "{{.Driver}}"',
      );
      expect(stdout.trim().split('\n')).toEqual(['docker', 'node-e2e', 'overlay2']);
      expect(await runNestedContainer(connection)).toContain('hello from a nested container');
    } finally {
      connection.close();
    }
    console.log(`container-node: SSH answered ${seconds(sshMs)} after docker start`);
  });

  it('boots as a qemu VM under TCG: SSH with the key from the kernel command line, and Docker Engine', {
    timeout: 12 * 60_000,
  }, async () => {
    const vmDir = join(home, 'vm');
    const overlay = join(vmDir, 'disk.qcow2');
    const consoleLog = join(vmDir, 'console.log');
    mkdirSync(vmDir, { recursive: true });
    // A copy-on-write overlay keeps the cached disk pristine; at 10 GiB it is larger than the
    // 4 GiB disk, which the image's fstab (x-systemd.growfs) grows into at boot.
    const created = await runCommand('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-b',
      image.disk,
      '-F',
      'raw',
      overlay,
      '10G',
    ]);
    expect(created.stderr).toBe('');
    const port = await freeLoopbackPort();
    const append = [
      'root=/dev/vda',
      'console=ttyS0',
      'apparmor=0',
      authorizedKeyKernelArgument(key.publicKey),
    ];
    const startedAt = performance.now();
    vm = spawn(
      'qemu-system-x86_64',
      [
        ...['-machine', 'accel=tcg', '-smp', '1', '-m', '1024'],
        ...['-display', 'none', '-monitor', 'none', '-serial', `file:${consoleLog}`],
        ...['-kernel', image.kernel, '-initrd', image.initrd, '-append', append.join(' ')],
        ...['-drive', `file=${overlay},if=virtio,format=qcow2`],
        ...[
          '-netdev',
          `user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:22`,
          '-device',
          'virtio-net-pci,netdev=net0',
        ],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let qemuErrors = '';
    vm.stderr?.on('data', (d: Buffer) => {
      qemuErrors += d.toString();
    });
    const exited = new Promise<string>((resolve) =>
      vm?.on('exit', (code, signal) => resolve(`qemu exited (${code ?? signal}): ${qemuErrors}`)),
    );
    let connection: SshConnection;
    try {
      connection = await Promise.race([
        connectToMachine(
          'vm-e2e',
          { address: '127.0.0.1', port, user: 'root', privateKeyPath: key.privateKeyPath },
          { knownHostsPath, deadlineMs: 300_000, attemptTimeoutMs: 30_000 },
        ),
        exited.then((why) => Promise.reject(new Error(why))),
      ]);
    } catch (e) {
      const tail = readFileSync(consoleLog, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${(e as Error).message}\nlast lines of the serial console:\n${tail}`);
    }
    const sshMs = performance.now() - startedAt;

    try {
      const { stdout } = await sshRun(
        connection,
        'systemd-detect-virt; ip -4 -o addr show eth0 | awk "{print \\$4}"; findmnt -bno SIZE /',
      );
      const [virt, address, rootBytes] = stdout.trim().split('\n');
      expect(virt).toBe('qemu');
      expect(address).toBe('10.0.2.15/24');
      // Grown at boot from the 4 GiB disk to the 10 GiB overlay.
      expect(Number(rootBytes)).toBeGreaterThan(9e9);
      expect(await systemState(connection)).toBe('running');
      const stateMs = performance.now() - startedAt;
      await expectNodeFacts(connection);
      expect((await readMachineFacts(connection)).kernel).toBe(image.manifest.kernelVersion);
      expect(await runNestedContainer(connection)).toContain('hello from a nested container');
      console.log(
        `qemu VM (TCG, 1 vCPU): SSH answered ${seconds(sshMs)}, boot finished (Docker Engine up) ${seconds(stateMs)} after qemu started`,
      );
    } finally {
      connection.close();
    }
    // Each machine made its own host key at first boot.
    const pins = await readHostKeyPins(knownHostsPath);
    expect(pins.map((p) => `${p.name} ${p.keyType}`)).toEqual(['node-e2e ssh-ed25519', 'vm-e2e ssh-ed25519']);
    expect(pins[0]?.key.equals(pins[1]!.key)).toBe(false);
  });
});
