// Reads the manifests a command names with -f (or the TUI's apply asks for): files, folders (their .yaml/.yml/.json files,
// recursively with -R, in name order as kubectl does) and `-` for standard input.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ManifestDoc, parseManifests } from '../api/manifest.js';

const manifestExtensions = /\.(ya?ml|json)$/i;

async function filesUnder(path: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await filesUnder(full, true)));
    } else if (manifestExtensions.test(e.name)) {
      out.push(full);
    }
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function manifestSources(
  paths: string[],
  recursive: boolean,
): Promise<{ source: string; read: () => Promise<string> }[]> {
  const sources: { source: string; read: () => Promise<string> }[] = [];
  for (const p of paths) {
    if (p === '-') {
      sources.push({ source: 'STDIN', read: readStdin });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(p);
    } catch {
      throw new Error(`the path "${p}" does not exist`);
    }
    const files = info.isDirectory() ? await filesUnder(p, recursive) : [p];
    if (info.isDirectory() && files.length === 0)
      throw new Error(`no manifests (.yaml, .yml, .json) found in ${p}`);
    for (const f of files) sources.push({ source: f, read: () => readFile(f, 'utf8') });
  }
  return sources;
}

/** Parses every named manifest; a file that fails to parse is reported and skipped, not fatal to the rest. */
export async function readManifests(
  paths: string[],
  recursive: boolean,
  onError: (e: Error) => void,
): Promise<ManifestDoc[]> {
  const docs: ManifestDoc[] = [];
  for (const { source, read } of await manifestSources(paths, recursive)) {
    try {
      docs.push(...parseManifests(await read(), source));
    } catch (e) {
      onError(e as Error);
    }
  }
  return docs;
}
