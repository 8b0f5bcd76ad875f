// A workload image's root filesystem as a tar archive in memory, ready for Docker's import
// (POST /images/create?fromSrc=-): busybox with an applet symlink per command, the
// directories a Linux userland expects, and the recipe's files on top.
import type { RecipeFile } from './recipe-files.js';

export type TarEntry =
  | { type: 'directory'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; content: Buffer }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as ustar numeric fields are written.
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

/** ustar stores paths longer than 100 bytes as prefix (<= 155) + '/' + name (<= 100). */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(entry: TarEntry): Buffer {
  const block = Buffer.alloc(BLOCK);
  const path = entry.type === 'directory' ? `${entry.path.replace(/\/$/, '')}/` : entry.path;
  const { name, prefix } = splitPath(path);
  const size = entry.type === 'file' ? entry.content.length : 0;
  const mode = entry.type === 'symlink' ? 0o777 : entry.mode;
  const typeflag = { file: '0', symlink: '2', directory: '5' }[entry.type];
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii'); // uid root
  block.write(octal(0, 8), 116, 'ascii'); // gid root
  block.write(octal(size, 12), 124, 'ascii');
  // A fixed mtime keeps an archive a pure function of its entries.
  block.write(octal(0, 12), 136, 'ascii');
  block.write(' '.repeat(8), 148, 'ascii'); // checksum is computed with this field as spaces
  block.write(typeflag, 156, 'ascii');
  if (entry.type === 'symlink') {
    if (Buffer.byteLength(entry.target) > 100) throw new Error(`tar: link target too long: ${entry.target}`);
    block.write(entry.target, 157, 100, 'utf8');
  }
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write('root', 265, 'ascii');
  block.write('root', 297, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    if (entry.type === 'file' && entry.content.length > 0) {
      parts.push(entry.content);
      const padding = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
      if (padding) parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end of archive
  return Buffer.concat(parts);
}

/** Directories a userland expects even when empty (Docker mounts /proc, /sys, /dev there). */
const baseDirectories: ReadonlyArray<readonly [string, number]> = [
  ['bin', 0o755],
  ['dev', 0o755],
  ['etc', 0o755],
  ['proc', 0o555],
  ['root', 0o700],
  ['sys', 0o555],
  ['tmp', 0o1777],
  ['usr', 0o755],
  ['var', 0o755],
];

export interface RootfsInput {
  busybox: Buffer;
  /** Applet names; each becomes /bin/<name> -> busybox. */
  applets: readonly string[];
  /** Recipe files (paths relative to /); they replace applet links of the same path. */
  files: readonly RecipeFile[];
}

/** The entries of a workload image's root filesystem, parents before children. */
export function workloadRootfs(input: RootfsInput): TarEntry[] {
  const directories = new Map<string, number>(baseDirectories);
  for (const file of input.files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!directories.has(dir)) directories.set(dir, 0o755);
    }
  }
  const filePaths = new Set(input.files.map((f) => f.path));
  const entries: TarEntry[] = [...directories]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, mode]) => ({ type: 'directory', path, mode }));
  entries.push({ type: 'file', path: 'bin/busybox', mode: 0o755, content: input.busybox });
  for (const applet of input.applets) {
    const path = `bin/${applet}`;
    if (!filePaths.has(path)) entries.push({ type: 'symlink', path, target: 'busybox' });
  }
  for (const file of input.files)
    entries.push({ type: 'file', path: file.path, mode: file.mode, content: file.content });
  return entries;
}
