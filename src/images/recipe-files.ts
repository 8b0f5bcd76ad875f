// Reading an image's recipe folders and fingerprinting them. The fingerprint (the
// `dev.kubelab.recipe-hash` label) covers everything that ends up in the image: the files
// with their modes, the image settings, the busybox binary and the builder's own layout,
// so a rebuild happens exactly when one of them changed. The node image (node-recipe.ts)
// reads and fingerprints its folder with the same functions.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkloadImage } from './workload-catalogue.js';

export interface RecipeFile {
  /** Path inside the image, relative to / (e.g. `bin/http-serve`). */
  path: string;
  /** 0755 or 0644: git keeps only the executable bit, so that is all that is carried. */
  mode: number;
  content: Buffer;
}

/** Bumped whenever rootfs-tar.ts changes what it puts around the recipe files. */
const rootfsLayoutVersion = 1;

/**
 * vm-images/<name>/ of this checkout (`workloads`, `node`), found by walking up from this
 * module: the same code runs from src/ (tests) and from the dist/ bundle.
 */
export function findRecipesDir(name: string, start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'vm-images', name);
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(
        `no vm-images/${name}/ recipes above ${start}: run kubelab from its repository checkout`,
      );
  }
}

export const findWorkloadRecipesDir = (start?: string): string => findRecipesDir('workloads', start);

const byPath = (a: RecipeFile, b: RecipeFile): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Every file under a folder, with its path relative to that folder, sorted by path. */
export async function readRecipeFolder(folder: string): Promise<RecipeFile[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  const files: RecipeFile[] = [];
  for (const entry of entries.filter((e) => e.isFile())) {
    const file = join(entry.parentPath, entry.name);
    const path = relative(folder, file).split(sep).join('/');
    const executable = ((await stat(file)).mode & 0o111) !== 0;
    files.push({ path, mode: executable ? 0o755 : 0o644, content: await readFile(file) });
  }
  return files.sort(byPath);
}

/** The image's files: its recipe folders merged in order (later folders win), sorted by path. */
export async function readRecipeFiles(recipesDir: string, image: WorkloadImage): Promise<RecipeFile[]> {
  const merged = new Map<string, RecipeFile>();
  for (const layer of image.layers) {
    const layerDir = join(recipesDir, layer);
    if (!existsSync(layerDir)) throw new Error(`${image.tag}: recipe folder ${layerDir} does not exist`);
    for (const file of await readRecipeFolder(layerDir)) merged.set(file.path, file);
  }
  return [...merged.values()].sort(byPath);
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A file list's part of a fingerprint: path, mode and content hash of each. */
export const filesFingerprint = (files: readonly RecipeFile[]): string[][] =>
  files.map((f) => [f.path, f.mode.toString(8), sha256(f.content)]);

export function recipeHash(image: WorkloadImage, files: readonly RecipeFile[], busybox: Buffer): string {
  const fingerprint = {
    rootfsLayoutVersion,
    cmd: image.cmd,
    env: Object.entries(image.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    exposedPorts: image.exposedPorts ?? [],
    description: image.description,
    files: filesFingerprint(files),
    busybox: sha256(busybox),
  };
  return sha256(JSON.stringify(fingerprint));
}
