// Runs `kubelab server` from the built bundle as a child process, as users and bootstrap do,
// so tests can kill it (-9 included) and start it again on the same data folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/kubelab.mjs', import.meta.url));

export interface ServerChild {
  child: ChildProcess;
  kubeconfigPath: string;
  output: () => string;
}

export function startServerChild(dataDir: string, port: number): Promise<ServerChild> {
  const child = spawn(
    process.execPath,
    [cli, 'server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    };
    const onData = () => {
      if (!out.includes('admin kubeconfig')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.off('data', onData);
      resolve({ child, kubeconfigPath: join(dataDir, 'admin.kubeconfig'), output: () => out });
    };
    child.once('exit', onExit);
    child.stdout!.on('data', onData);
  });
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
