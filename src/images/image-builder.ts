// Builds the lab workload images offline: each image's root filesystem is assembled as a
// tar archive in memory and imported into Docker Engine (no registry, nothing pulled).
// An image whose `dev.kubelab.recipe-hash` label matches its recipe is left alone, and a
// `docker save` archive of all of them is kept under $KUBELAB_HOME/images/ for loading
// into nodes.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Dockerode from 'dockerode';
import { kubelabHome } from '../client/kubelab-home.js';
import { defaultBusyboxPath, loadStaticBusybox, type StaticBusybox } from './busybox.js';
import { findWorkloadRecipesDir, readRecipeFiles, recipeHash } from './recipe-files.js';
import { tarArchive, workloadRootfs } from './rootfs-tar.js';
import { findWorkloadImage, type WorkloadImage, workloadImages } from './workload-catalogue.js';

export const recipeHashLabel = 'dev.kubelab.recipe-hash';

export interface BuiltImage {
  tag: string;
  /** Docker's image id (sha256:...). */
  id: string;
  recipeHash: string;
  sizeBytes: number;
  /** False when the image was already up to date (or, for ensureImage, already present). */
  built: boolean;
  durationMs: number;
}

export type ImageBuildStep =
  | 'checking'
  | 'building'
  | 'importing'
  | 'built'
  | 'up to date'
  | 'saving'
  | 'saved'
  | 'archive up to date';

export interface ImageBuildProgress {
  /** An image tag, or the archive's path for the saving steps. */
  image: string;
  step: ImageBuildStep;
  /** Set on the last event for this image. */
  done?: boolean;
}

export interface BuildWorkloadImagesOptions {
  docker?: Dockerode;
  onProgress?(event: ImageBuildProgress): void;
  /** Default: vm-images/workloads/ of this checkout. */
  recipesDir?: string;
  /** Default: /bin/busybox (Debian's busybox-static). */
  busyboxPath?: string;
  /** Where the `docker save` archive goes (default $KUBELAB_HOME/images); null: none. */
  archiveDir?: string | null;
}

export const workloadArchiveName = 'workload-images.tar';

export function workloadImagesDir(): string {
  return join(kubelabHome(), 'images');
}

/** Docker Engine must answer before anything else; say how to start it when it does not. */
export async function requireDocker(docker: Dockerode): Promise<void> {
  try {
    await docker.ping();
  } catch (e) {
    throw new Error(
      `cannot reach Docker Engine (${(e as Error).message}): start it with \`bash scripts/install-docker.sh\``,
    );
  }
}

/** The image's details, or undefined when Docker Engine does not have it. */
export async function inspectImage(
  docker: Dockerode,
  tag: string,
): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(tag).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

const labelledHash = (info: Dockerode.ImageInspectInfo | undefined): string | undefined =>
  info?.Config?.Labels?.[recipeHashLabel];

/** Dockerfile instructions for the import's `changes`: how the image runs. */
function importChanges(image: WorkloadImage, hash: string): string[] {
  const changes = [
    'ENV PATH=/bin',
    ...Object.entries(image.env ?? {}).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    `CMD ${JSON.stringify(image.cmd)}`,
    ...(image.exposedPorts ?? []).map((p) => `EXPOSE ${p}/tcp`),
    `LABEL ${recipeHashLabel}=${hash}`,
    `LABEL org.opencontainers.image.description=${JSON.stringify(image.description)}`,
  ];
  return changes;
}

/** Waits for the end of a streamed Docker operation (import, build, load), failing on its error. */
export function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
}

function builtImage(
  info: Dockerode.ImageInspectInfo,
  tag: string,
  built: boolean,
  startedAt: number,
): BuiltImage {
  return {
    tag,
    id: info.Id,
    recipeHash: labelledHash(info) ?? '',
    sizeBytes: info.Size,
    built,
    durationMs: performance.now() - startedAt,
  };
}

interface BuildContext {
  docker: Dockerode;
  recipesDir: string;
  busybox: StaticBusybox;
  progress(event: ImageBuildProgress): void;
}

async function buildOne(ctx: BuildContext, image: WorkloadImage): Promise<BuiltImage> {
  const startedAt = performance.now();
  ctx.progress({ image: image.tag, step: 'checking' });
  const files = await readRecipeFiles(ctx.recipesDir, image);
  const hash = recipeHash(image, files, ctx.busybox.binary);
  const present = await inspectImage(ctx.docker, image.tag);
  if (present && labelledHash(present) === hash) {
    ctx.progress({ image: image.tag, step: 'up to date', done: true });
    return builtImage(present, image.tag, false, startedAt);
  }
  ctx.progress({ image: image.tag, step: 'building' });
  const tar = tarArchive(
    workloadRootfs({ busybox: ctx.busybox.binary, applets: ctx.busybox.applets, files }),
  );
  ctx.progress({ image: image.tag, step: 'importing' });
  const [repo, tag] = [
    image.tag.slice(0, image.tag.lastIndexOf(':')),
    image.tag.slice(image.tag.lastIndexOf(':') + 1),
  ];
  const stream = await ctx.docker.importImage(Readable.from([tar]), {
    repo,
    tag,
    changes: importChanges(image, hash),
  });
  await followProgress(ctx.docker, stream);
  const imported = await inspectImage(ctx.docker, image.tag);
  if (!imported) throw new Error(`${image.tag}: Docker Engine imported the image but does not list it`);
  const built = builtImage(imported, image.tag, true, startedAt);
  ctx.progress({ image: image.tag, step: 'built', done: true });
  return built;
}

async function buildContext(options: BuildWorkloadImagesOptions): Promise<BuildContext> {
  const docker = options.docker ?? new Dockerode();
  await requireDocker(docker);
  return {
    docker,
    recipesDir: options.recipesDir ?? findWorkloadRecipesDir(),
    busybox: await loadStaticBusybox(options.busyboxPath ?? defaultBusyboxPath),
    progress: (event) => options.onProgress?.(event),
  };
}

/**
 * `docker save` of all the images into `<dir>/workload-images.tar`, with
 * `workload-images.json` beside it naming what is inside; skipped when that already
 * matches the images' recipe hashes.
 */
async function saveArchive(ctx: BuildContext, dir: string, images: readonly BuiltImage[]): Promise<void> {
  const archive = join(dir, workloadArchiveName);
  const indexPath = archive.replace(/\.tar$/, '.json');
  const index = { images: images.map(({ tag, id, recipeHash }) => ({ tag, id, recipeHash })) };
  const indexText = `${JSON.stringify(index, null, 2)}\n`;
  const previous = await readFile(indexPath, 'utf8').catch(() => undefined);
  if (previous === indexText && existsSync(archive)) {
    ctx.progress({ image: archive, step: 'archive up to date', done: true });
    return;
  }
  ctx.progress({ image: archive, step: 'saving' });
  await mkdir(dir, { recursive: true });
  await saveImages(
    ctx.docker,
    images.map((i) => i.tag),
    archive,
  );
  await writeFile(indexPath, indexText);
  ctx.progress({ image: archive, step: 'saved', done: true });
}

/** `docker save TAG...` into `path` (written whole or not at all). */
export async function saveImages(docker: Dockerode, tags: readonly string[], path: string): Promise<void> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    docker.modem.dial(
      {
        path: '/images/get?',
        method: 'GET',
        options: { names: tags },
        isStream: true,
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      },
      (err, data) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
    ),
  );
  const partial = `${path}.partial`;
  try {
    await pipeline(stream, createWriteStream(partial));
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Builds every lab workload image that is missing or out of date, in catalogue order. */
export async function buildWorkloadImages(options: BuildWorkloadImagesOptions = {}): Promise<BuiltImage[]> {
  const ctx = await buildContext(options);
  const built: BuiltImage[] = [];
  for (const image of workloadImages) built.push(await buildOne(ctx, image));
  const archiveDir = options.archiveDir === undefined ? workloadImagesDir() : options.archiveDir;
  if (archiveDir !== null) await saveArchive(ctx, archiveDir, built);
  return built;
}

// One build per engine and tag at a time: pods starting together all ask for the pause image.
const inFlight = new WeakMap<Dockerode, Map<string, Promise<BuiltImage>>>();

/**
 * Makes sure a lab workload image (e.g. `kubelab/pause:1`) is in Docker Engine, building
 * just that image when it is missing. A present image is used as it is, whatever its
 * recipe hash: a node may have it from a loaded archive and no recipes at all.
 */
export async function ensureImage(
  docker: Dockerode,
  reference: string,
  options: Omit<BuildWorkloadImagesOptions, 'docker' | 'archiveDir'> = {},
): Promise<BuiltImage> {
  const image = findWorkloadImage(reference);
  if (!image) throw new Error(`${reference} is not a kubelab workload image (see \`kubelab images list\`)`);
  const perEngine = inFlight.get(docker) ?? new Map<string, Promise<BuiltImage>>();
  inFlight.set(docker, perEngine);
  const running = perEngine.get(image.tag);
  if (running) return running;
  const ensure = (async () => {
    const startedAt = performance.now();
    const present = await inspectImage(docker, image.tag);
    if (present) return builtImage(present, image.tag, false, startedAt);
    return buildOne(await buildContext({ ...options, docker }), image);
  })().finally(() => perEngine.delete(image.tag));
  perEngine.set(image.tag, ensure);
  return ensure;
}

export interface WorkloadImageState {
  tag: string;
  description: string;
  /** Missing from Docker Engine, present with a different recipe hash, or current. */
  state: 'missing' | 'out of date' | 'up to date';
  id?: string;
  sizeBytes?: number;
  created?: string;
}

/** The catalogue against what Docker Engine has, for `kubelab images list`. */
export async function listWorkloadImages(
  options: Omit<BuildWorkloadImagesOptions, 'onProgress' | 'archiveDir'> = {},
): Promise<WorkloadImageState[]> {
  const ctx = await buildContext(options);
  const states: WorkloadImageState[] = [];
  for (const image of workloadImages) {
    const hash = recipeHash(image, await readRecipeFiles(ctx.recipesDir, image), ctx.busybox.binary);
    const info = await inspectImage(ctx.docker, image.tag);
    states.push({
      tag: image.tag,
      description: image.description,
      state: !info ? 'missing' : labelledHash(info) === hash ? 'up to date' : 'out of date',
      id: info?.Id,
      sizeBytes: info?.Size,
      created: info?.Created,
    });
  }
  return states;
}
