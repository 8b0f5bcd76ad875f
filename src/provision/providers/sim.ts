// The sim provider: this computer is every machine, each one a local process of the running
// kubelab program (detached, logging to the cluster folder) — the control plane `kubelab
// server` on a free port of 127.0.0.1, each SIMULATED worker node `kubelab agent --runtime sim`,
// named kind-style `<cluster>-worker`, `<cluster>-worker2`, ... Each agent joins as a machine's
// does: with a join token in a bootstrap kubeconfig, exchanged for its node's own credential
// (`<cluster folder>/nodes/<node>.kubeconfig`), so no agent ever holds the admin's; it serves
// its kubelet endpoint on 127.0.0.1, the node's InternalIP. Failure injection acts on those
// processes through the OS, because that is what the modes mean:
//   agent     SIGTERM: the agent stops; heartbeats stop; pods keep their last status
//   partition SIGSTOP: frozen; no heartbeats, no updates; SIGCONT resumes it
//   poweroff  SIGKILL: the node dies with its (in-memory) containers
// Process ids live in the cluster record (cluster.json machines[].pid).
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { isNodeReady } from '../../api/node-state.js';
import { resource } from '../../api/resources.js';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import { ApiClient } from '../../client/rest-client.js';
import { readyzAt, readyzPassed } from '../api-server-health.js';
import type { ProgressSink } from '../bootstrap/progress-reporter.js';
import { serverNodeFlags } from '../bootstrap/systemd-units.js';
import type {
  ClusterBootstrap,
  ClusterPlan,
  ClusterProvider,
  ControlPlaneAccess,
  NodeFailureMode,
  RecoverOutcome,
} from '../cluster-provider.js';
import {
  type ClusterRecord,
  clusterDir,
  clusterKubeconfigPath,
  type MachineRecord,
  writeClusterRecord,
} from '../cluster-records.js';
import { bootstrapKubeconfig, issueJoinToken } from '../join-token.js';

export interface SimWorkerOptions {
  /** The kubelab program to run agents with (default: the running CLI, process.argv[1]). */
  cliScript?: string;
  readyDelayMs?: number;
  cpu?: string;
  memory?: string;
  pods?: number;
  /** How long to wait for the Nodes to be Ready (default 30 s). */
  readyTimeoutMs?: number;
}

const localAddress = '127.0.0.1';

export function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when the process is stopped by SIGSTOP (Linux: state T in /proc/PID/stat). */
export async function processFrozen(pid: number | undefined): Promise<boolean> {
  if (!pid) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return false;
  }
}

function logPath(clusterName: string, machineName: string): string {
  return join(clusterDir(clusterName), `${machineName}.log`);
}

async function logTail(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
}

/**
 * Starts `kubelab ARGS...` detached from this process, its output appended to the machine's log;
 * `nodeFlags` are the program's own V8 flags (the control plane's, as on a real machine).
 */
function spawnKubelab(
  clusterName: string,
  machineName: string,
  args: string[],
  options: { cliScript?: string; nodeFlags?: string[] } = {},
): number {
  const program = options.cliScript ?? process.argv[1];
  if (!program) throw new Error(`cannot locate the kubelab program to start ${machineName} with`);
  const log = openSync(logPath(clusterName, machineName), 'a');
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...(options.nodeFlags ?? []), program, ...args],
    {
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  child.unref();
  if (!child.pid) throw new Error(`could not start the process of ${machineName}`);
  return child.pid;
}

/** A SIMULATED node's own credential once it has joined, and the join token it joins with. */
function nodeKubeconfigPaths(clusterName: string, nodeName: string) {
  const dir = join(clusterDir(clusterName), 'nodes');
  return {
    dir,
    node: join(dir, `${nodeName}.kubeconfig`),
    bootstrap: join(dir, `${nodeName}.bootstrap.kubeconfig`),
  };
}

/** Bootstrap kubeconfigs with one new join token for nodes that have not joined yet. */
async function writeBootstrapKubeconfigs(clusterName: string, nodeNames: string[]): Promise<void> {
  const adminPath = clusterKubeconfigPath(clusterName);
  const admin = loadKubeconfig(adminPath);
  if (!admin.caData)
    throw new Error(`${adminPath} names no certificate-authority-data: nodes could not trust the server`);
  const client = new ApiClient(admin);
  try {
    const token = await issueJoinToken(client);
    for (const nodeName of nodeNames) {
      const paths = nodeKubeconfigPaths(clusterName, nodeName);
      await mkdir(paths.dir, { recursive: true, mode: 0o700 });
      await writeFile(
        paths.bootstrap,
        bootstrapKubeconfig({ server: admin.server, caData: admin.caData, token, clusterName, nodeName }),
        { mode: 0o600 },
      );
    }
  } finally {
    client.close();
  }
}

function spawnAgent(clusterName: string, nodeName: string, o: SimWorkerOptions): number {
  const paths = nodeKubeconfigPaths(clusterName, nodeName);
  return spawnKubelab(
    clusterName,
    nodeName,
    [
      'agent',
      '--kubeconfig',
      paths.node,
      '--bootstrap-kubeconfig',
      paths.bootstrap,
      '--node-name',
      nodeName,
      '--runtime',
      'sim',
      ...(o.readyDelayMs !== undefined ? ['--ready-delay-ms', String(o.readyDelayMs)] : []),
      ...(o.cpu ? ['--cpu', o.cpu] : []),
      ...(o.memory ? ['--memory', o.memory] : []),
      ...(o.pods !== undefined ? ['--pods', String(o.pods)] : []),
    ],
    { cliScript: o.cliScript },
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, localAddress, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function findMachine(record: ClusterRecord, nodeName: string, anyRole = false): MachineRecord {
  const m = record.machines.find((x) => x.name === nodeName && (anyRole || x.role === 'worker'));
  if (!m) {
    const workers = record.machines.filter((x) => x.role === 'worker').map((x) => x.name);
    throw new Error(
      `cluster "${record.name}" has no worker node "${nodeName}" (nodes: ${workers.join(', ') || 'none'})`,
    );
  }
  return m;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !processAlive(pid);
}

/**
 * Starts the agents of the nodes whose process is not running and records their new pids;
 * those that have not joined yet get a join token first.
 */
async function startAgents(
  clusterName: string,
  nodes: MachineRecord[],
  options: SimWorkerOptions,
): Promise<void> {
  const down = nodes.filter((n) => !processAlive(n.pid));
  const joining = down.filter((n) => !existsSync(nodeKubeconfigPaths(clusterName, n.name).node));
  if (joining.length > 0)
    await writeBootstrapKubeconfigs(
      clusterName,
      joining.map((n) => n.name),
    );
  for (const node of down) node.pid = spawnAgent(clusterName, node.name, options);
}

/** Waits until every node's Node is Ready; an agent that exits meanwhile fails it with its log's tail. */
async function waitForNodes(clusterName: string, nodes: MachineRecord[], timeoutMs: number): Promise<void> {
  const client = ApiClient.fromKubeconfig(clusterKubeconfigPath(clusterName));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      for (const { name, pid } of nodes) {
        if (processAlive(pid)) continue;
        const log = logPath(clusterName, name);
        throw new Error(
          `the agent of ${name} exited during start-up; last lines of ${log}:\n${await logTail(log)}`,
        );
      }
      const listed = await client
        .resource<Node>(resource.nodes)
        .list()
        .catch(() => ({ items: [] as Node[] }));
      const ready = new Set(listed.items.filter(isNodeReady).map((n) => n.metadata?.name));
      const missing = nodes.map((n) => n.name).filter((n) => !ready.has(n));
      if (missing.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `nodes not Ready within ${timeoutMs / 1000} s: ${missing.join(', ')}; see ${clusterDir(clusterName)}/<node>.log`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}

/** Stops a machine's process (a worker's agent, or the control plane's server); a frozen one is thawed so it can exit. */
export async function stopSimMachine(record: ClusterRecord, nodeName: string): Promise<void> {
  const { pid } = findMachine(record, nodeName, true);
  if (!pid || !processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  process.kill(pid, 'SIGCONT');
  if (!(await waitForExit(pid, 10_000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

export async function failSimNode(
  record: ClusterRecord,
  nodeName: string,
  mode: NodeFailureMode,
): Promise<void> {
  const { pid } = findMachine(record, nodeName);
  if (!pid || !processAlive(pid))
    throw new Error(
      `node ${nodeName} is already down (bring it back with \`kubelab node recover ${nodeName}\`)`,
    );
  if (mode === 'partition') {
    process.kill(pid, 'SIGSTOP');
  } else if (mode === 'agent') {
    await stopSimMachine(record, nodeName);
  } else {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

/**
 * Brings a failed node back: a frozen agent is resumed (SIGCONT), a stopped or killed one is
 * started again under the same node name and its new pid recorded.
 */
export async function recoverSimNode(
  record: ClusterRecord,
  nodeName: string,
  options: SimWorkerOptions = {},
): Promise<'resumed' | 'restarted' | 'running'> {
  const node = findMachine(record, nodeName);
  if (processAlive(node.pid)) {
    if (!(await processFrozen(node.pid))) return 'running';
    process.kill(node.pid!, 'SIGCONT');
    return 'resumed';
  }
  await startAgents(record.name, [node], options);
  await writeClusterRecord(record);
  await waitForNodes(record.name, [node], options.readyTimeoutMs ?? 30_000);
  return 'restarted';
}

export class SimCluster implements ClusterProvider {
  readonly name = 'sim';

  /** `workers`: how agents are started (the program, simulated capacity, how long to wait for Ready). */
  constructor(private readonly workers: SimWorkerOptions = {}) {}

  /** The control plane is one server process, not a node: only the workers run agents. */
  nodes(machines: MachineRecord[]): MachineRecord[] {
    return machines.filter((m) => m.role === 'worker');
  }

  /** Nothing to make: the machines are processes, which the bootstrap's steps start. */
  async ensureMachines(plan: ClusterPlan, existing: ClusterRecord | undefined): Promise<MachineRecord[]> {
    return plan.machines.map(
      (p) => existing?.machines.find((m) => m.name === p.name) ?? { ...p, address: localAddress },
    );
  }

  bootstrap(plan: ClusterPlan, record: ClusterRecord, progress: ProgressSink): ClusterBootstrap {
    return new SimBootstrap(plan, record, progress, this.workers);
  }

  async destroy(record: ClusterRecord): Promise<void> {
    // Workers first, so no agent is left talking to a control plane that is gone.
    for (const m of [...this.nodes(record.machines), ...record.machines.filter((x) => x.role !== 'worker')])
      await stopSimMachine(record, m.name);
  }

  failNode(record: ClusterRecord, nodeName: string, mode: NodeFailureMode): Promise<void> {
    return failSimNode(record, nodeName, mode);
  }

  recoverNode(record: ClusterRecord, nodeName: string): Promise<RecoverOutcome> {
    return recoverSimNode(record, nodeName, this.workers);
  }
}

class SimBootstrap implements ClusterBootstrap {
  private joinStartedAt = 0;

  constructor(
    private readonly plan: ClusterPlan,
    private readonly record: ClusterRecord,
    private readonly progress: ProgressSink,
    private readonly workers: SimWorkerOptions,
  ) {}

  /** Nothing to install: every process runs this computer's kubelab. */
  async prepare(): Promise<void> {}

  async startControlPlane(controlPlanes: MachineRecord[]): Promise<ControlPlaneAccess> {
    const [cp, ...more] = controlPlanes;
    if (!cp || more.length > 0)
      throw new Error(
        `the sim provider runs one control-plane process, this cluster plans ${controlPlanes.length}`,
      );
    const name = this.record.name;
    const kubeconfigPath = clusterKubeconfigPath(name);
    if (this.record.server && processAlive(cp.pid) && (await readyzAt(kubeconfigPath))) {
      this.progress.say(`cluster "${name}" is already running (provider sim) at ${this.record.server}`);
      return { server: this.record.server, kubeconfig: await readFile(kubeconfigPath, 'utf8') };
    }
    this.progress.say(`starting cluster "${name}" with provider sim (control plane as a local process)...`);
    const started = Date.now();
    const dataDir = join(clusterDir(name), 'server');
    await mkdir(clusterDir(name), { recursive: true, mode: 0o700 });
    const port = await freePort();
    const server = `https://${localAddress}:${port}`;
    cp.pid = spawnKubelab(
      name,
      'server',
      [
        'server',
        '--data-dir',
        dataDir,
        '--listen',
        `${localAddress}:${port}`,
        '--cluster-name',
        name,
        '--profile',
        this.plan.profile,
      ],
      { nodeFlags: serverNodeFlags },
    );
    const adminKubeconfig = join(dataDir, 'admin.kubeconfig');
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!processAlive(cp.pid)) {
        const log = logPath(name, 'server');
        throw new Error(
          `the control plane exited during start-up; last lines of ${log}:\n${await logTail(log)}`,
        );
      }
      if (readyzPassed(await readyzAt(adminKubeconfig))) break;
      if (Date.now() > deadline)
        throw new Error(`the control plane did not become ready within 30 s; see ${logPath(name, 'server')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.progress.say(`control plane ready at ${server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { server, kubeconfig: await readFile(adminKubeconfig, 'utf8') };
  }

  async join(nodes: MachineRecord[]): Promise<void> {
    if (nodes.length === 0) return;
    this.joinStartedAt = Date.now();
    this.progress.say(`starting ${nodes.length} SIMULATED worker node(s), each joining with a join token...`);
    await startAgents(this.record.name, nodes, this.workers);
  }

  async waitReady(nodes: MachineRecord[]): Promise<void> {
    if (nodes.length === 0) return;
    await waitForNodes(this.record.name, nodes, this.workers.readyTimeoutMs ?? 30_000);
    for (const m of nodes) this.progress.say(`  ${m.name} Ready (SIMULATED)`);
    this.progress.say(`workers ready in ${((Date.now() - this.joinStartedAt) / 1000).toFixed(1)} s`);
  }

  close(): void {}
}
