// The node image's recipe (vm-images/node/): the Debian packages debootstrap installs
// (packages.txt), the files laid over the new root filesystem (rootfs/), and configure.sh,
// which runs inside it. The recipe's hash names the cache folder and labels the Docker
// image, so a changed recipe, and only that, means a rebuild.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  filesFingerprint,
  findRecipesDir,
  type RecipeFile,
  readRecipeFolder,
  sha256,
} from './recipe-files.js';

export const debianSuite = 'bookworm';
export const debianMirrorVariable = 'KUBELAB_DEBIAN_MIRROR';
export const defaultDebianMirror = 'http://deb.debian.org/debian';

/** Bumped whenever node-image.ts changes how it turns the recipe into a disk or an image. */
const nodeBuildLayoutVersion = 1;

export interface NodeRecipe {
  dir: string;
  /** packages.txt without its comments, in file order. */
  packages: string[];
  /** rootfs/: paths relative to the image's /. */
  files: RecipeFile[];
  configureScript: Buffer;
  hash: string;
}

/** Debian policy §5.6.1: lower-case letters, digits, + - . ; at least two, starting alphanumeric. */
const debianPackageName = /^[a-z0-9][a-z0-9+.-]+$/;

/** One package a line; `#` starts a comment. A bad name is reported as `file:line`. */
export function parsePackageList(text: string, source = 'packages.txt'): string[] {
  const packages: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    if (!debianPackageName.test(line))
      throw new Error(`${source}:${index + 1}: "${line}" is not a Debian package name (one package a line)`);
    packages.push(line);
  });
  if (packages.length === 0) throw new Error(`${source}: lists no packages`);
  return packages;
}

export function nodeRecipeHash(recipe: Pick<NodeRecipe, 'packages' | 'files' | 'configureScript'>): string {
  const fingerprint = {
    nodeBuildLayoutVersion,
    suite: debianSuite,
    // Sorted: the order of packages.txt does not change what debootstrap installs.
    packages: [...new Set(recipe.packages)].sort(),
    files: filesFingerprint(recipe.files),
    configure: sha256(recipe.configureScript),
  };
  return sha256(JSON.stringify(fingerprint));
}

export async function readNodeRecipe(dir = findRecipesDir('node')): Promise<NodeRecipe> {
  const packagesPath = join(dir, 'packages.txt');
  const packages = parsePackageList(await readFile(packagesPath, 'utf8'), packagesPath);
  const files = await readRecipeFolder(join(dir, 'rootfs'));
  const configureScript = await readFile(join(dir, 'configure.sh'));
  return {
    dir,
    packages,
    files,
    configureScript,
    hash: nodeRecipeHash({ packages, files, configureScript }),
  };
}

/** The Debian mirror to build from: $KUBELAB_DEBIAN_MIRROR, else deb.debian.org. */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  return env[debianMirrorVariable]?.trim() || defaultDebianMirror;
}

export interface DebootstrapPlan {
  packages: readonly string[];
  target: string;
  mirror: string;
  /** Kept between builds: a rebuild after a recipe change downloads only what changed. */
  packageCache: string;
}

export function debootstrapArgs(plan: DebootstrapPlan): string[] {
  return [
    '--variant=minbase',
    `--include=${plan.packages.join(',')}`,
    `--cache-dir=${plan.packageCache}`,
    debianSuite,
    plan.target,
    plan.mirror,
  ];
}
