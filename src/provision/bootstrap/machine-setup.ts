// What bootstrap does on one machine over SSH, step by step, whatever provider made it:
// connect (pinning its host key), read its facts, make sure Docker Engine runs (installing it
// from the distribution's packages when missing), upload a Node runtime when it has no usable
// one, upload kubelab's programs and the lab images, and write and start the systemd units.
// Every step is idempotent: what is already there (same bytes, same image ids, same unit text)
// is left alone, so `kubelab up` on a healthy cluster changes nothing and on a broken one
// repairs only what is broken. Failures are MachineStepErrors naming the machine and the step.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ProvisionedMachine } from '../providers/machine-provider.js';
import {
  connectToMachine,
  type MachineFacts,
  readMachineFacts,
  type SshConnection,
  shellQuote,
  sshExec,
  sshRun,
  uploadToMachine,
} from '../ssh/index.js';
import { type KubelabBundles, remoteBinDir } from './kubelab-bundles.js';
import { nodeRuntimeFor, remoteNodePath } from './node-runtime.js';
import type { ProgressSink } from './progress-reporter.js';

export interface ImagesArchive {
  /** A `docker save` archive. */
  path: string;
  /** What is in it: the tags and the image ids Docker Engine will report once loaded. */
  images: { tag: string; id: string }[];
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export class MachineSetup {
  private constructor(
    readonly machine: ProvisionedMachine,
    readonly connection: SshConnection,
    readonly facts: MachineFacts,
    private readonly progress: ProgressSink,
  ) {}

  get name(): string {
    return this.machine.name;
  }

  /** Connects (waiting while the machine boots) and reads what the machine is. */
  static async connect(
    machine: ProvisionedMachine,
    knownHostsPath: string,
    progress: ProgressSink,
  ): Promise<MachineSetup> {
    return step(progress, machine.name, 'connect over SSH', async () => {
      const connection = await connectToMachine(machine.name, machine.ssh, {
        knownHostsPath,
        deadlineMs: 180_000,
        onRetry: ({ reason }) =>
          progress.step(machine.name, 'connect over SSH', 'detail', `waiting: ${reason}`),
      });
      const facts = await readMachineFacts(connection);
      const refuse = (detail: string) => {
        connection.close();
        throw connection.error('inspect the machine', 'command-failed', detail);
      };
      if (facts.initSystem !== 'systemd')
        refuse(`${facts.os.prettyName} does not run systemd, which kubelab's services need`);
      if (facts.rootAccess === 'none')
        refuse(
          `${machine.ssh.user} cannot become root (no sudo without a password): kubelab installs services`,
        );
      if (!facts.architecture) refuse(`unknown architecture ${facts.machine}`);
      return {
        result: new MachineSetup(machine, connection, facts, progress),
        detail: `${facts.os.prettyName}, ${facts.architecture}, ${facts.cpus} cpu, ${(facts.memory.totalBytes / 1024 ** 3).toFixed(1)} GiB`,
      };
    });
  }

  close(): void {
    this.connection.close();
  }

  private run(command: string, stepName: string, timeoutMs = 120_000) {
    return sshRun(this.connection, command, { asRoot: true, step: stepName, timeoutMs });
  }

  /** Docker Engine installed (from the distribution's packages) and running. */
  async ensureDocker(): Promise<void> {
    const name = 'Docker Engine';
    await step(this.progress, this.name, name, async () => {
      let installed = false;
      if (!this.facts.docker.installed) {
        const family = [this.facts.os.id, ...this.facts.os.idLike];
        if (!family.includes('debian'))
          throw this.connection.error(
            name,
            'command-failed',
            `Docker Engine is not installed and kubelab installs it only on Debian and Ubuntu (${this.facts.os.prettyName}): install it from your distribution, then run \`kubelab up\` again`,
          );
        this.progress.step(this.name, name, 'detail', 'apt-get install docker.io');
        await sshRun(
          this.connection,
          'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io iptables iproute2 ca-certificates',
          {
            asRoot: true,
            step: 'install Docker Engine',
            timeoutMs: 900_000,
            onLine: (line) => this.progress.step(this.name, name, 'detail', line.slice(0, 80)),
          },
        );
        installed = true;
      }
      if (this.facts.docker.serverVersion && !installed) return { detail: this.facts.docker.serverVersion };
      await this.run(
        // dockerd takes ~12 s to start under TCG; wait for it to answer, not just for systemd.
        'systemctl enable --now docker.service && for i in $(seq 1 120); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done; echo "dockerd did not answer within 60 s" >&2; exit 1',
        'start Docker Engine',
        120_000,
      );
      return { detail: installed ? 'installed' : 'started' };
    });
  }

  /** The Node runtime the units start: the machine's own when usable, else uploaded. */
  async ensureNodeRuntime(): Promise<string> {
    return step(this.progress, this.name, 'Node runtime', async () => {
      if (this.facts.node.usable) {
        const { stdout } = await this.run('command -v node', 'find node');
        return { result: stdout.trim(), detail: `machine's own ${this.facts.node.version}` };
      }
      const build = await nodeRuntimeFor(this.facts.architecture ?? '');
      const sent = await uploadToMachine(this.connection, { path: build.path }, remoteNodePath, {
        mode: 0o755,
        step: 'upload the Node runtime',
        onProgress: ({ sentBytes, totalBytes }) =>
          this.progress.step(
            this.name,
            'Node runtime',
            'detail',
            `${megabytes(sentBytes)} of ${megabytes(totalBytes)}`,
          ),
      });
      return {
        result: remoteNodePath,
        detail: sent.uploaded
          ? `${build.version} from ${build.source}, ${megabytes(sent.bytes)}`
          : `${build.version} already there`,
      };
    });
  }

  /** Uploads the programs this machine runs; true when any of them changed. */
  async uploadPrograms(
    bundles: KubelabBundles,
    withServer: boolean,
  ): Promise<{ server: boolean; agent: boolean }> {
    return step(this.progress, this.name, 'kubelab programs', async () => {
      const upload = (path: string, file: string) =>
        uploadToMachine(this.connection, { path }, `${remoteBinDir}/${file}`, {
          mode: 0o755,
          step: `upload ${file}`,
        });
      const [agent, server] = await Promise.all([
        upload(bundles.agent, 'kubelab-agent.mjs'),
        withServer ? upload(bundles.server, 'kubelab-server.mjs') : undefined,
      ]);
      const changed = { server: server?.uploaded ?? false, agent: agent.uploaded };
      return {
        result: changed,
        detail: changed.agent || changed.server ? 'uploaded' : 'up to date',
      };
    });
  }

  /** Loads an image archive into the machine's Docker Engine unless it has exactly these already. */
  async loadImages(archive: ImagesArchive, stepName = 'lab images'): Promise<void> {
    await step(this.progress, this.name, stepName, async () => {
      const tags = archive.images.map((i) => shellQuote(i.tag)).join(' ');
      const present = await sshExec(
        this.connection,
        `docker image inspect --format '{{.Id}}' ${tags} 2>/dev/null`,
        { asRoot: true, timeoutMs: 60_000 },
      );
      const have = new Set(present.stdout.split('\n').map((l) => l.trim()));
      if (archive.images.every((i) => have.has(i.id)))
        return { detail: `${archive.images.length} up to date` };
      await sshRun(this.connection, 'docker load', {
        asRoot: true,
        step: 'load the lab images (docker load)',
        stdin: createReadStream(archive.path),
        timeoutMs: 600_000,
        onLine: (line) => this.progress.step(this.name, stepName, 'detail', line.slice(0, 80)),
      });
      return { detail: `${archive.images.length} loaded` };
    });
  }

  /** Writes a file only when its text differs; true when it did. */
  async writeFile(path: string, text: string, mode: number): Promise<boolean> {
    const sent = await uploadToMachine(this.connection, Buffer.from(text), path, {
      mode,
      step: `write ${path}`,
    });
    return sent.uploaded;
  }

  async fileExists(path: string): Promise<boolean> {
    const r = await sshExec(this.connection, `test -s ${shellQuote(path)}`, {
      asRoot: true,
      timeoutMs: 30_000,
    });
    return r.exitCode === 0;
  }

  async readFile(path: string): Promise<string> {
    const { stdout } = await this.run(`cat ${shellQuote(path)}`, `read ${path}`, 30_000);
    return stdout;
  }

  /**
   * Starts a unit: restarted when its unit file or program changed (so the new one runs),
   * otherwise only started if it is not running — a healthy service is never bounced.
   */
  async startUnit(unit: string, changed: boolean): Promise<void> {
    await this.run(
      changed
        ? `systemctl daemon-reload && systemctl enable ${unit} && systemctl restart ${unit}`
        : `systemctl enable --now ${unit}`,
      `start ${unit}`,
    );
  }
}

/**
 * Runs one step of one machine with progress: started, then done with its detail, or failed
 * with the error's message (which already names the machine and the step).
 */
export async function step<T>(
  progress: ProgressSink,
  machine: string,
  name: string,
  body: () => Promise<{ result?: T; detail?: string } | undefined>,
): Promise<T> {
  progress.step(machine, name, 'started');
  try {
    const outcome = await body();
    progress.step(machine, name, 'done', outcome?.detail);
    return outcome?.result as T;
  } catch (e) {
    progress.step(machine, name, 'failed', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

/** The images archive `kubelab images build` keeps, with the ids it holds. */
export async function readImagesArchive(dir: string, archiveName: string): Promise<ImagesArchive> {
  const path = `${dir}/${archiveName}`;
  const index = JSON.parse(await readFile(path.replace(/\.tar$/, '.json'), 'utf8')) as {
    images: { tag: string; id: string }[];
  };
  return { path, images: index.images };
}
