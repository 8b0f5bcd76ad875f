// Builds the node image (vm-images/node/) offline from Debian's packages: debootstrap makes a
// root filesystem, the recipe configures it, and it is exported twice — as a Docker image
// for container-nodes and as a bootable ext4 disk with its kernel and initrd for qemu VMs.
// Both come from one root filesystem, so a container-node and a VM are the same machine.
//
// Everything is cached under $KUBELAB_HOME/images/node/<recipe hash>/. A build whose recipe
// hash is cached does nothing, except re-importing the Docker image when Docker Engine has
// lost it. Building needs root (debootstrap makes device files, chroot runs configure.sh)
// but no loop devices and no mounts: mkfs.ext4 -d fills the disk from a folder.
import { createWriteStream, existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { BuildCommandError, findProgram, runBuildCommand } from './build-command.js';
import { buildFolderPath, removeBuildFolder, removeStaleBuildFolders } from './build-folder.js';
import {
  followProgress,
  inspectImage,
  recipeHashLabel,
  requireDocker,
  workloadImagesDir,
} from './image-builder.js';
import {
  debianMirror,
  debianMirrorVariable,
  debianSuite,
  debootstrapArgs,
  type NodeRecipe,
  readNodeRecipe,
} from './node-recipe.js';
import { tarArchive } from './rootfs-tar.js';

export const nodeImageRepository = 'kubelab/node';
/** The bare imported root filesystem, tagged only while the image's settings are added on top. */
const rootfsImportRepository = 'kubelab/node-rootfs';
/** The disk's filesystem label: the image's fstab mounts / by it. */
export const nodeDiskLabel = 'kubelab-root';
/**
 * Apparent size of the qemu disk. The file is sparse, so it costs only what the files take;
 * fstab's x-systemd.growfs grows the filesystem at boot when a provider gives a VM a larger
 * copy-on-write overlay of it.
 */
const diskSizeBytes = 4 * 1024 ** 3;

const nodeImageDescription =
  'kubelab node machine: Debian bookworm, systemd, sshd, Docker Engine (run /sbin/init; vm-images/node/README.md)';

const cacheFiles = {
  rootfsArchive: 'rootfs.tar',
  disk: 'disk.img',
  kernel: 'vmlinuz',
  initrd: 'initrd.img',
} as const;
const manifestName = 'manifest.json';
const buildLogName = 'build.log';

export type NodeImageStep =
  /** The whole image; only ever "up to date" (its recipe hash is cached). */
  'node image' | 'debootstrap' | 'configure' | 'rootfs archive' | 'qemu disk' | 'docker image';

export interface NodeImageProgress {
  step: NodeImageStep;
  /** `detail` events carry a line of the step's output (debootstrap: each package). */
  state: 'started' | 'detail' | 'done' | 'up to date';
  detail?: string;
}

export interface NodeImageManifest {
  recipeHash: string;
  suite: string;
  mirror: string;
  packages: string[];
  kernelVersion: string;
  builtAt: string;
  buildMs: number;
  /** File names inside the cache folder. */
  files: typeof cacheFiles;
}

export interface NodeImage {
  recipeHash: string;
  /** The cache folder, $KUBELAB_HOME/images/node/<recipe hash>. */
  dir: string;
  manifest: NodeImageManifest;
  /** Absolute paths of the cached files. */
  rootfsArchive: string;
  disk: string;
  kernel: string;
  initrd: string;
  /** `kubelab/node:<hash prefix>` (also tagged `latest`); undefined when built without Docker. */
  dockerImage?: string;
  dockerImageId?: string;
  /** Whether this call built the root filesystem, and whether it (re-)imported the Docker image. */
  built: boolean;
  dockerImported: boolean;
  durationMs: number;
}

export interface BuildNodeImageOptions {
  /** null: build the cache (qemu disk) only, without a Docker image. Default: the local engine. */
  docker?: Dockerode | null;
  /** Default: vm-images/node/ of this checkout. */
  recipeDir?: string;
  /** Default: $KUBELAB_HOME/images/node. */
  cacheRoot?: string;
  /** Default: $KUBELAB_DEBIAN_MIRROR, else http://deb.debian.org/debian. */
  mirror?: string;
  onProgress?(event: NodeImageProgress): void;
}

export function nodeImageCacheRoot(): string {
  return join(workloadImagesDir(), 'node');
}

export const nodeImageTag = (recipeHash: string): string =>
  `${nodeImageRepository}:${recipeHash.slice(0, 12)}`;

type Progress = (event: NodeImageProgress) => void;

/**
 * The cache folder's manifest, or undefined when the folder is missing or incomplete. The
 * manifest is written last and the folder renamed into place after it; a folder whose
 * manifest does not parse, or whose files were deleted by hand, is built again.
 */
async function readManifest(dir: string): Promise<NodeImageManifest | undefined> {
  const text = await readFile(join(dir, manifestName), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let manifest: NodeImageManifest;
  try {
    manifest = JSON.parse(text) as NodeImageManifest;
  } catch {
    return undefined;
  }
  const complete = Object.values(manifest.files ?? {}).every((name) => existsSync(join(dir, name)));
  return complete ? manifest : undefined;
}

/** A build failure already worded for a person: the step, the cause and what to try next. */
class NodeImageBuildError extends Error {}

function cachedPaths(dir: string, manifest: NodeImageManifest) {
  return {
    recipeHash: manifest.recipeHash,
    dir,
    manifest,
    rootfsArchive: join(dir, manifest.files.rootfsArchive),
    disk: join(dir, manifest.files.disk),
    kernel: join(dir, manifest.files.kernel),
    initrd: join(dir, manifest.files.initrd),
  };
}

function requireBuildTools(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      'building the node image needs root (debootstrap makes device files, chroot runs the recipe inside the new root filesystem): run it as root, e.g. `sudo kubelab images build node`',
    );
  const tools = [
    ['debootstrap', 'debootstrap'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['chroot', 'coreutils'],
    ['tar', 'tar'],
  ] as const;
  for (const [program, pkg] of tools)
    if (!findProgram(program))
      throw new Error(
        `${program} is not installed: apt-get install ${pkg} (\`bash scripts/install-docker.sh\` installs what kubelab's images need)`,
      );
}

/** What a person can do about a failed debootstrap: the usual causes, named. */
function debootstrapFailure(e: BuildCommandError, mirror: string, log: string): NodeImageBuildError {
  const output = e.tail.join('\n');
  if (
    /Failed getting release file|Couldn't download|Failure while downloading|Could not resolve/i.test(output)
  )
    return new NodeImageBuildError(
      `debootstrap failed: cannot reach ${mirror} — check the network or set ${debianMirrorVariable} to a reachable Debian mirror (full log: ${log})`,
    );
  const missing = /Couldn't find these debs: (.*)/.exec(output)?.[1];
  if (missing)
    return new NodeImageBuildError(
      `debootstrap failed: Debian ${debianSuite} has no package ${missing.trim()} — check vm-images/node/packages.txt (full log: ${log})`,
    );
  return new NodeImageBuildError(`debootstrap failed: ${e.message}\n(full log: ${log})`);
}

/** debootstrap's "I: ..." lines as short progress details; the rest only goes to the log. */
function debootstrapDetail(line: string, retrieved: { count: number }): string | undefined {
  const info = /^I: (\w+) (.*?)(\.\.\.)?$/.exec(line);
  if (!info) return undefined;
  const [, verb = '', rest = ''] = info;
  if (verb === 'Validating') return undefined;
  if (verb === 'Retrieving' && /\S \S/.test(rest)) return `downloading ${rest} (${++retrieved.count})`;
  return `${verb.toLowerCase()} ${rest}`.trim();
}

/**
 * Writes the recipe's rootfs/ files over the new root filesystem, root-owned with the
 * recipe's modes. A folder that resolves outside the root filesystem (an absolute symlink
 * would point into the build machine's own /etc) is refused, and a symlink at a file's own
 * path (debootstrap's /etc/resolv.conf may be one) is replaced rather than written through.
 */
async function layRecipeFiles(rootfs: string, recipe: NodeRecipe): Promise<void> {
  const realRoot = await realpath(rootfs);
  for (const file of recipe.files) {
    const target = join(rootfs, file.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const folder = await realpath(dirname(target));
    if (folder !== realRoot && !folder.startsWith(realRoot + sep))
      throw new Error(
        `rootfs/${file.path}: its folder resolves to ${folder}, outside the new root filesystem`,
      );
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink()) await rm(target);
    await writeFile(target, file.content);
    await chmod(target, file.mode);
  }
}

/** The kernel debootstrap installed (linux-image-cloud-amd64) and its initrd, in the rootfs' /boot. */
async function findKernel(rootfs: string): Promise<{ version: string; kernel: string; initrd: string }> {
  const boot = join(rootfs, 'boot');
  const names = await readdir(boot).catch(() => [] as string[]);
  const kernels = names.filter((n) => n.startsWith('vmlinuz-'));
  const [kernel] = kernels;
  if (kernels.length !== 1 || !kernel)
    throw new Error(
      `expected one kernel in the new root filesystem's /boot, found ${kernels.join(', ') || 'none'}: vm-images/node/packages.txt must list one linux-image package`,
    );
  const version = kernel.slice('vmlinuz-'.length);
  const initrd = `initrd.img-${version}`;
  if (!names.includes(initrd))
    throw new Error(`/boot has ${kernel} but no ${initrd}: initramfs-tools did not run`);
  return { version, kernel: join(boot, kernel), initrd: join(boot, initrd) };
}

/** The environment the build's programs run in: the build machine's own mostly does not belong in the image. */
function buildEnvironment(): NodeJS.ProcessEnv {
  const proxies = Object.entries(process.env).filter(([k]) => /^(https?|no|ftp)_proxy$/i.test(k));
  return {
    ...Object.fromEntries(proxies),
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LC_ALL: 'C',
    DEBIAN_FRONTEND: 'noninteractive',
  };
}

/** Builds the root filesystem and its exports into `dir` (the cache folder for the recipe's hash). */
async function buildIntoCache(
  recipe: NodeRecipe,
  dir: string,
  mirror: string,
  progress: Progress,
): Promise<NodeImageManifest> {
  requireBuildTools();
  const startedAt = performance.now();
  const cacheRoot = dirname(dir);
  await mkdir(cacheRoot, { recursive: true });
  await removeStaleBuildFolders(cacheRoot);
  const work = buildFolderPath(cacheRoot);
  const rootfs = join(work, 'rootfs');
  const out = join(work, 'out');
  const packageCache = join(cacheRoot, 'debs');
  await mkdir(out, { recursive: true });
  await mkdir(packageCache, { recursive: true });
  const logPath = join(cacheRoot, buildLogName);
  const log = createWriteStream(logPath);
  const env = buildEnvironment();
  const run = (program: string, args: string[], onLine?: (line: string) => void) => {
    log.write(`$ ${program} ${args.join(' ')}\n`);
    return runBuildCommand(program, args, {
      env,
      onLine: (line) => {
        log.write(`${line}\n`);
        onLine?.(line);
      },
    });
  };
  const step = async <T>(name: NodeImageStep, hint: string, action: () => Promise<T>): Promise<T> => {
    progress({ step: name, state: 'started' });
    try {
      const result = await action();
      progress({ step: name, state: 'done' });
      return result;
    } catch (e) {
      if (e instanceof NodeImageBuildError) throw e;
      throw new NodeImageBuildError(
        `node image: ${name} failed: ${(e as Error).message}\n${hint} (full log: ${logPath})`,
      );
    }
  };

  try {
    const retrieved = { count: 0 };
    await step('debootstrap', 'Check vm-images/node/packages.txt and the network.', async () => {
      try {
        await run(
          'debootstrap',
          debootstrapArgs({ packages: recipe.packages, target: rootfs, mirror, packageCache }),
          (line) => {
            const detail = debootstrapDetail(line, retrieved);
            if (detail) progress({ step: 'debootstrap', state: 'detail', detail });
          },
        );
      } catch (e) {
        throw e instanceof BuildCommandError ? debootstrapFailure(e, mirror, logPath) : e;
      }
    });

    const kernel = await step('configure', 'Check vm-images/node/configure.sh and rootfs/.', async () => {
      await layRecipeFiles(rootfs, recipe);
      const script = join(rootfs, 'tmp', 'kubelab-configure.sh');
      await writeFile(script, recipe.configureScript, { mode: 0o755 });
      await run('chroot', [rootfs, '/bin/sh', '/tmp/kubelab-configure.sh'], (line) =>
        progress({ step: 'configure', state: 'detail', detail: line }),
      );
      await rm(script);
      return findKernel(rootfs);
    });

    await step('rootfs archive', 'Is there room under $KUBELAB_HOME?', () =>
      run('tar', [
        '--create',
        `--file=${join(out, cacheFiles.rootfsArchive)}`,
        `--directory=${rootfs}`,
        '--numeric-owner',
        // ping's file capability (cap_net_raw) is an extended attribute.
        '--xattrs',
        '--xattrs-include=security.capability',
        // The kernel is installed once, in the one root filesystem both exports come from, so
        // both have the same packages (dpkg lists it in both). The Docker image leaves out its
        // files, ~120 MB a container never uses: a container runs on the host's kernel, and
        // modules that never match that kernel would only mislead modprobe. /dev is Docker's.
        '--exclude=./boot/*',
        '--exclude=./usr/lib/modules/*',
        '--exclude=./dev/*',
        '.',
      ]),
    );

    await step(
      'qemu disk',
      'Is there room under $KUBELAB_HOME? (the disk is sparse, ~700 MB used)',
      async () => {
        const disk = join(out, cacheFiles.disk);
        const file = await open(disk, 'w');
        await file.truncate(diskSizeBytes);
        await file.close();
        await run('mkfs.ext4', ['-q', '-F', '-L', nodeDiskLabel, '-d', rootfs, disk]);
        for (const [from, to] of [
          [kernel.kernel, cacheFiles.kernel],
          [kernel.initrd, cacheFiles.initrd],
        ] as const) {
          await copyFile(from, join(out, to));
          await chmod(join(out, to), 0o644);
        }
      },
    );

    const manifest: NodeImageManifest = {
      recipeHash: recipe.hash,
      suite: debianSuite,
      mirror,
      packages: recipe.packages,
      kernelVersion: kernel.version,
      builtAt: new Date().toISOString(),
      buildMs: Math.round(performance.now() - startedAt),
      files: cacheFiles,
    };
    await writeFile(join(out, manifestName), `${JSON.stringify(manifest, null, 2)}\n`);
    // Another build of the same recipe may have finished first: its result is as good as this
    // one's. A folder without a manifest is what is left of an interrupted copy: replaced.
    const finished = await readManifest(dir);
    if (finished) return finished;
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
    return manifest;
  } finally {
    await new Promise((resolve) => log.end(resolve));
    await removeBuildFolder(work);
  }
}

async function tagLatest(docker: Dockerode, id: string): Promise<void> {
  await docker.getImage(id).tag({ repo: nodeImageRepository, tag: 'latest' });
}

/**
 * `kubelab/node:<hash prefix>` from the cached root filesystem archive, unless Docker Engine
 * has it already. `docker import --change` refuses STOPSIGNAL, so the image's settings are a
 * metadata-only build on top of the plain import.
 */
async function ensureDockerImage(
  docker: Dockerode,
  image: { recipeHash: string; rootfsArchive: string },
  progress: Progress,
): Promise<{ tag: string; id: string; imported: boolean }> {
  const tag = nodeImageTag(image.recipeHash);
  const present = await inspectImage(docker, tag);
  if (present?.Config?.Labels?.[recipeHashLabel] === image.recipeHash) {
    await tagLatest(docker, present.Id);
    progress({ step: 'docker image', state: 'up to date', detail: tag });
    return { tag, id: present.Id, imported: false };
  }
  progress({ step: 'docker image', state: 'started' });
  const sizeMb = Math.round((await stat(image.rootfsArchive)).size / 1e6);
  progress({
    step: 'docker image',
    state: 'detail',
    detail: `importing ${image.rootfsArchive} (${sizeMb} MB)`,
  });
  const importTag = `${rootfsImportRepository}:${image.recipeHash.slice(0, 12)}`;
  const [importRepo, importVersion] = importTag.split(':');
  await followProgress(
    docker,
    await docker.importImage(image.rootfsArchive, { repo: importRepo, tag: importVersion }),
  );
  progress({ step: 'docker image', state: 'detail', detail: 'adding the image settings' });
  const dockerfile = [
    `FROM ${importTag}`,
    // systemd looks for this to know it runs in a container.
    'ENV container=docker',
    // What systemd takes as "shut down cleanly"; SIGTERM would only make it re-execute.
    'STOPSIGNAL SIGRTMIN+3',
    'CMD ["/sbin/init"]',
    `LABEL ${recipeHashLabel}=${image.recipeHash}`,
    `LABEL org.opencontainers.image.description=${JSON.stringify(nodeImageDescription)}`,
  ].join('\n');
  const context = tarArchive([
    { type: 'file', path: 'Dockerfile', mode: 0o644, content: Buffer.from(dockerfile) },
  ]);
  await followProgress(docker, await docker.buildImage(Readable.from([context]), { t: tag, rm: true }));
  await docker.getImage(importTag).remove(); // only the tag: the image is the new one's parent
  const built = await inspectImage(docker, tag);
  if (!built) throw new Error(`${tag}: Docker Engine built the image but does not list it`);
  await tagLatest(docker, built.Id);
  progress({ step: 'docker image', state: 'done', detail: tag });
  return { tag, id: built.Id, imported: true };
}

/**
 * The node image for the current recipe: built into the cache unless it is there, and
 * imported into Docker Engine unless it is there (or `docker` is null).
 */
export async function buildNodeImage(options: BuildNodeImageOptions = {}): Promise<NodeImage> {
  const startedAt = performance.now();
  const progress: Progress = (event) => options.onProgress?.(event);
  const docker = options.docker === undefined ? new Dockerode() : options.docker;
  // Before a two-minute build, not after it.
  if (docker) await requireDocker(docker);
  const recipe = await readNodeRecipe(options.recipeDir);
  const dir = join(options.cacheRoot ?? nodeImageCacheRoot(), recipe.hash);
  let manifest = await readManifest(dir);
  const built = manifest === undefined;
  if (manifest) progress({ step: 'node image', state: 'up to date', detail: dir });
  else manifest = await buildIntoCache(recipe, dir, options.mirror ?? debianMirror(), progress);
  const cached = cachedPaths(dir, manifest);
  const dockerImage = docker
    ? await ensureDockerImage(docker, cached, progress).catch((e: Error) => {
        throw new Error(
          `node image: docker image failed: ${e.message}\nThe build is cached in ${dir}; run the build again to retry the import.`,
        );
      })
    : undefined;
  return {
    ...cached,
    dockerImage: dockerImage?.tag,
    dockerImageId: dockerImage?.id,
    built,
    dockerImported: dockerImage?.imported ?? false,
    durationMs: performance.now() - startedAt,
  };
}

export interface NodeImageState {
  /** The current recipe's hash. */
  recipeHash: string;
  /** The cached build of the current recipe, if any. */
  cached?: ReturnType<typeof cachedPaths> & {
    /** Bytes the sparse disk really takes. */
    diskBytes: number;
    rootfsArchiveBytes: number;
  };
  /** Docker Engine's image, unless the engine is not reachable. */
  docker?: {
    tag: string;
    /** Current: the recipe's tag is present; out of date: only an older `latest` is. */
    state: 'missing' | 'out of date' | 'up to date';
    id?: string;
    sizeBytes?: number;
  };
}

async function dockerImageState(docker: Dockerode, recipeHash: string): Promise<NodeImageState['docker']> {
  const tag = nodeImageTag(recipeHash);
  const current = await inspectImage(docker, tag);
  const latest = current ? undefined : await inspectImage(docker, `${nodeImageRepository}:latest`);
  const info = current ?? latest;
  return {
    tag: current ? tag : `${nodeImageRepository}:latest`,
    state: current ? 'up to date' : latest ? 'out of date' : 'missing',
    id: info?.Id,
    sizeBytes: info?.Size,
  };
}

/** The node image against its recipe, for `kubelab images list`. Builds nothing. */
export async function listNodeImage(
  options: Pick<BuildNodeImageOptions, 'docker' | 'recipeDir' | 'cacheRoot'> = {},
): Promise<NodeImageState> {
  const recipe = await readNodeRecipe(options.recipeDir);
  const dir = join(options.cacheRoot ?? nodeImageCacheRoot(), recipe.hash);
  const manifest = await readManifest(dir);
  const state: NodeImageState = { recipeHash: recipe.hash };
  if (manifest) {
    const paths = cachedPaths(dir, manifest);
    const [disk, archive] = await Promise.all([stat(paths.disk), stat(paths.rootfsArchive)]);
    state.cached = { ...paths, diskBytes: disk.blocks * 512, rootfsArchiveBytes: archive.size };
  }
  const docker = options.docker === undefined ? new Dockerode() : options.docker;
  // An engine that does not answer leaves `docker` unset: the disk is still worth listing.
  if (docker) state.docker = await dockerImageState(docker, recipe.hash).catch(() => undefined);
  return state;
}
