import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { WatchEvent } from '../../src/store/store.js';
import { until } from '../helpers/until.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const storeModule = pathToFileURL(join(root, 'src/store/sqlite.ts')).href;

// The writer acknowledges a write (prints it) only after its promise resolved, from 8
// concurrent loops, mixing creates and conditional updates, until it is killed.
const writerScript = `
import { SqliteStore } from ${JSON.stringify(storeModule)};
const store = SqliteStore.open(process.argv[2]);
await Promise.all(Array.from({ length: 8 }, async (_, w) => {
  for (let i = 0; ; i++) {
    const key = '/d/' + w + '/' + i;
    const created = await store.create(key, 'c' + i);
    process.stdout.write('create ' + created.modRevision + ' ' + key + ' c' + i + '\\n');
    if (i % 3 === 0) {
      const updated = await store.update(key, 'u' + i, created.modRevision);
      process.stdout.write('update ' + updated.modRevision + ' ' + key + ' u' + i + '\\n');
    }
  }
}));
`;

const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `atLeast` writes, kills it with SIGKILL, returns the acknowledged lines. */
function writeUntilKilled(dbPath: string, scriptPath: string, atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', scriptPath, dbPath], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const acknowledged: string[] = [];
    let partial = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      acknowledged.push(...lines);
      if (acknowledged.length >= atLeast && child.signalCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('SqliteStore durability', () => {
  it('keeps every acknowledged write after kill -9, across two crashes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-durability-'));
    dirs.push(dir);
    const dbPath = join(dir, 'state.db');
    const scriptPath = join(dir, 'writer.mts');
    writeFileSync(scriptPath, writerScript);

    const acknowledged = await writeUntilKilled(dbPath, scriptPath, 3000);
    // A second run recovers the WAL the first crash left and continues the revisions after
    // it, writing under its own prefix.
    writeFileSync(scriptPath, writerScript.replaceAll("'/d/'", "'/e/'"));
    acknowledged.push(...(await writeUntilKilled(dbPath, scriptPath, 3000)));
    expect(acknowledged.length).toBeGreaterThanOrEqual(6000);

    const store = SqliteStore.open(dbPath);
    try {
      const events = new Map<number, WatchEvent>();
      const watch = store.watch('/', 0, (e) => events.set(e.kv.modRevision, e));
      // History arrives a page at a time, one event-loop turn apart.
      await until('the watch to catch up', () => watch.isLive() && events.size === store.currentRevision());

      const missing = acknowledged.filter((line) => {
        const [type, revision, key, value] = line.split(' ');
        const event = events.get(Number(revision));
        return !event || event.type !== type || event.kv.key !== key || event.kv.value !== value;
      });
      expect(missing).toEqual([]);
      const revisions = acknowledged.map((line) => Number(line.split(' ')[1]));
      expect(store.currentRevision()).toBeGreaterThanOrEqual(Math.max(...revisions));
    } finally {
      await store.close();
    }
  });
});
