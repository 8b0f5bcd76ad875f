// `kubelab server --data-dir D [--listen ADDR:PORT]`: the control-plane process that
// bootstrap installs on a machine (and that `kubelab up --provider sim` runs locally).
import type { Command } from 'commander';
import { startApiServer } from '../../apiserver/server.js';
import { UsageError } from '../usage-error.js';

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new UsageError(`--listen must be ADDR:PORT (e.g. 0.0.0.0:6443), got "${listen}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen port must be 0-65535, got ${port}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export async function runServer(opts: {
  dataDir: string;
  listen: string;
  san?: string[];
  clusterName?: string;
}): Promise<void> {
  const { host, port } = parseListen(opts.listen);
  const server = await startApiServer({
    dataDir: opts.dataDir,
    host,
    port,
    extraSans: opts.san,
    clusterName: opts.clusterName,
  });
  process.stdout.write(
    `kubelab-server listening on ${server.url}\nadmin kubeconfig: ${server.adminKubeconfigPath}\n`,
  );
  const stop = async (signal: string) => {
    process.stdout.write(`kubelab-server: ${signal}, shutting down\n`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('Run the control plane (API server on an embedded SQLite store)')
    .requiredOption('--data-dir <dir>', 'where the store, certificates and admin.kubeconfig live')
    .option('--listen <addr:port>', 'address to serve HTTPS on', '0.0.0.0:6443')
    .option('--san <name...>', 'extra DNS names or IPs for the serving certificate')
    .option('--cluster-name <name>', 'name used in admin.kubeconfig', 'kubelab')
    .action(runServer);
}
