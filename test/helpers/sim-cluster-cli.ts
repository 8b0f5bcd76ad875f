// A whole simulated cluster driven through the built `kubelab` program, the way a learner
// drives it: `up --provider sim --workers K` starts a real control-plane process and K real
// agent processes; `node fail` / `node recover` signal them. Shared by the end-to-end sim
// tests and the failover benchmark.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../../src/api/resources.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { type CommandResult, kubelab } from './run-command.js';

export interface SimClusterCli {
  home: string;
  name: string;
  run(...args: string[]): Promise<CommandResult>;
  /** `kubelab apply -f -` with this manifest on standard input. */
  apply(manifest: string): Promise<CommandResult>;
  client(): ApiClient;
  down(): Promise<void>;
}

export async function startSimClusterCli(workers: number, name = 'lab'): Promise<SimClusterCli> {
  const home = await mkdtemp(join(tmpdir(), 'kubelab-home-'));
  const env = { KUBELAB_HOME: home, KUBECONFIG: undefined };
  const run = (...args: string[]) => kubelab(args, { env, timeoutMs: 120_000 });
  const up = await run('up', '--name', name, '--provider', 'sim', '--workers', String(workers));
  if (up.code !== 0) throw new Error(`kubelab up failed:\n${up.stdout}\n${up.stderr}`);
  let client: ApiClient | undefined;
  return {
    home,
    name,
    run,
    apply: (manifest) => kubelab(['apply', '-f', '-'], { env, input: manifest }),
    client() {
      client ??= ApiClient.fromKubeconfig(join(home, 'clusters', name, 'kubeconfig'));
      return client;
    },
    async down() {
      client?.close();
      await run('down', '--name', name);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Pods matching a label selector, split into the ones serving (Ready, not terminating) and the rest. */
export async function podsBySelector(client: ApiClient, selector: string) {
  const pods = (await client.resource<Pod>(resource.pods, 'default').listAll({ labelSelector: selector }))
    .items;
  const ready = pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return { pods, ready };
}
