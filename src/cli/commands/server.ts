// `kubelab server --data-dir D [--listen ADDR:PORT] [--profile lab|k8s]`: the control-plane
// process that bootstrap installs on a machine (and that `kubelab up --provider sim` runs
// locally). Like k3s, one process hosts the API server, the scheduler and the controller
// manager; the latter two are ordinary API clients with their own connections and informers,
// exactly as if they ran elsewhere, and report their health into /readyz.
import type { Command } from 'commander';
import { type Profile, profileByName } from '../../api/profiles.js';
import { startApiServer } from '../../apiserver/server.js';
import type { ScoringStrategy } from '../../scheduler/schedule.js';
import { startComponentThread } from '../control-plane-threads.js';
import { UsageError } from '../usage-error.js';

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new UsageError(`--listen must be ADDR:PORT (e.g. 0.0.0.0:6443), got "${listen}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen port must be 0-65535, got ${port}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

interface ServerFlags {
  dataDir: string;
  listen: string;
  san?: string[];
  clusterName?: string;
  profile: string;
  controllers: boolean;
  scoring: ScoringStrategy;
}

export async function runServer(opts: ServerFlags): Promise<void> {
  const { host, port } = parseListen(opts.listen);
  let profile: Profile;
  try {
    profile = profileByName(opts.profile);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (opts.scoring !== 'LeastAllocated' && opts.scoring !== 'MostAllocated') {
    throw new UsageError(`--scoring must be LeastAllocated or MostAllocated, got "${opts.scoring}"`);
  }
  const readiness = new Map<string, () => boolean>();
  // The server writes Secrets and credentials only: whatever it creates (SQLite's WAL files
  // included) is private to its user from the first byte.
  process.umask(0o077);
  const server = await startApiServer({
    dataDir: opts.dataDir,
    host,
    port,
    extraSans: opts.san,
    clusterName: opts.clusterName,
    profile,
    readinessChecks: readiness,
  });
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  const stops: (() => Promise<void>)[] = [];
  if (opts.controllers) {
    const kubeconfigs = {
      scheduler: server.componentKubeconfigs.scheduler,
      'controller-manager': server.componentKubeconfigs.controllerManager,
    };
    for (const component of ['scheduler', 'controller-manager'] as const) {
      const spec = {
        component,
        // Their own users, held to their ClusterRoles by RBAC, not the admin's credential.
        kubeconfig: kubeconfigs[component],
        profile: profile.name,
        scoring: opts.scoring,
      };
      const thread = startComponentThread(spec, log);
      readiness.set(component, () => thread.healthy());
      stops.push(() => thread.stop());
    }
  }
  process.stdout.write(
    `kubelab-server listening on ${server.url} (profile ${profile.name})\nadmin kubeconfig: ${server.adminKubeconfigPath}\n`,
  );
  const stop = async (signal: string) => {
    process.stdout.write(`kubelab-server: ${signal}, shutting down\n`);
    await Promise.all(stops.map((s) => s()));
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('Run the control plane: API server (embedded SQLite), scheduler, controller manager')
    .requiredOption('--data-dir <dir>', 'where the store, certificates and admin.kubeconfig live')
    .option('--listen <addr:port>', 'address to serve HTTPS on', '0.0.0.0:6443')
    .option('--san <name...>', 'extra DNS names or IPs for the serving certificate')
    .option('--cluster-name <name>', 'name used in admin.kubeconfig', 'kubelab')
    .option('--profile <profile>', 'timers: lab (failover in ~10 s) or k8s (upstream defaults)', 'lab')
    .option('--no-controllers', 'run only the API server (no scheduler or controllers)')
    .option(
      '--scoring <strategy>',
      'scheduler scoring: LeastAllocated (spread) or MostAllocated (bin packing)',
      'LeastAllocated',
    )
    .action(runServer);
}
