// Tab completion for the apply prompt: what a shell would offer after `kubelab apply -f`,
// limited to folders and manifest files (.yaml, .yml, .json) so a learner is not shown
// everything else in the directory. Read synchronously: it runs on a key press, in one folder.
import { type Dirent, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

const manifestFile = /\.(ya?ml|json)$/i;

/** `~/x` as the shell would expand it (the prompt is not a shell, but people type it). */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** Completions for `typed` (relative to `cwd`), each as the whole new prompt text; folders end in `/`. */
export function manifestPathSuggestions(typed: string, cwd: string): string[] {
  const cut = typed.lastIndexOf('/') + 1;
  const folder = typed.slice(0, cut);
  const prefix = typed.slice(cut);
  let entries: Dirent[];
  try {
    entries = readdirSync(resolve(cwd, expandHome(folder || '.')), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.name.startsWith(prefix) && (prefix.startsWith('.') || !e.name.startsWith('.')))
    .filter((e) => e.isDirectory() || (e.isFile() && manifestFile.test(e.name)))
    .map((e) => `${folder}${e.name}${e.isDirectory() ? '/' : ''}`)
    .filter((s) => s !== typed)
    .sort();
}
