// Shared by the benchmarks: a real `kubelab server` child process on a fresh data folder,
// percentiles, and the rule that every benchmark prints its JSON and writes it to
// bench/results/<name>.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { ApiClient } from '../src/client/rest-client.js';
import { serverNodeFlags } from '../src/provision/bootstrap/systemd-units.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface ServerProcess {
  client(): ApiClient;
  kubeconfig: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `args` are extra `kubelab server` flags, e.g. `--no-controllers` to measure one component alone. */
export async function startServerProcess(args: string[] = []): Promise<ServerProcess> {
  // BENCH_SERVER_CLI runs another build of the server (e.g. the base commit's, for "before" figures).
  const cli = process.env.BENCH_SERVER_CLI ?? join(root, 'dist/kubelab.mjs');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const dataDir = await mkdtemp(join(tmpdir(), 'kubelab-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    // With the V8 flags the server runs with on a machine: memory figures are the product's.
    [...serverNodeFlags, cli, 'server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('admin kubeconfig')) resolve();
    });
  });
  const kubeconfig = join(dataDir, 'admin.kubeconfig');
  return {
    kubeconfig,
    dataDir,
    child,
    client: () => ApiClient.fromKubeconfig(kubeconfig),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(latenciesMs: number[]) {
  const s = [...latenciesMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    count: s.length,
    p50Ms: round(percentile(s, 50)),
    p99Ms: round(percentile(s, 99)),
    maxMs: round(s.at(-1) ?? Number.NaN),
  };
}

export async function report(name: string, result: Record<string, unknown>): Promise<void> {
  const doc = {
    benchmark: name,
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    ...result,
  };
  const text = JSON.stringify(doc, null, 2);
  process.stdout.write(`${text}\n`);
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results', `${name}.json`), `${text}\n`);
}

export interface RawAnswer {
  status: number;
  body: string;
  ms: number;
}

/**
 * A bare HTTPS client for one caller: its own keep-alive sockets, every answer returned as it
 * came (no retry on 429, unlike ApiClient), so a benchmark sees what the server said and when.
 */
export function rawCaller(kubeconfig: string, token?: string) {
  const config = loadKubeconfig(kubeconfig);
  const agent = new https.Agent({ keepAlive: true, ca: config.caData });
  const bearer = token ?? config.token;
  return {
    request(
      method: string,
      path: string,
      body?: unknown,
      contentType = 'application/json',
    ): Promise<RawAnswer> {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const t0 = performance.now();
      return new Promise((resolve, reject) => {
        const req = https.request(
          new URL(path, config.server),
          {
            method,
            agent,
            headers: {
              authorization: `Bearer ${bearer}`,
              ...(text === undefined
                ? {}
                : { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: performance.now() - t0,
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(text);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}

/** Resident set size of a process, from /proc (Linux), in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}
