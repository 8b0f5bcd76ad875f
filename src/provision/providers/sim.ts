// The sim provider's worker machines: each SIMULATED node is a local `kubelab agent
// --runtime sim` process (detached, logging to the cluster folder), named kind-style
// `<cluster>-worker`, `<cluster>-worker2`, ... Failure injection acts on those processes
// through the OS, because that is what the modes mean:
//   agent     SIGTERM: the agent stops; heartbeats stop; pods keep their last status
//   partition SIGSTOP: frozen; no heartbeats, no updates; SIGCONT resumes it
//   poweroff  SIGKILL: the node dies with its (in-memory) containers
// Process ids live in the cluster record (cluster.json machines[].pid).
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { isNodeReady } from '../../api/node-state.js';
import { resource } from '../../api/resources.js';
import { ApiClient } from '../../client/rest-client.js';
import {
  clusterDir,
  clusterKubeconfigPath,
  type MachineRecord,
  readClusterRecord,
  writeClusterRecord,
} from '../cluster-records.js';

export type NodeFailureMode = 'poweroff' | 'partition' | 'agent';
export const nodeFailureModes: NodeFailureMode[] = ['poweroff', 'partition', 'agent'];

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

/** kind's naming: `<cluster>-worker`, `<cluster>-worker2`, ... (index from 1). */
export function simWorkerName(clusterName: string, index: number): string {
  return `${clusterName}-worker${index === 1 ? '' : index}`;
}

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

function agentLogPath(clusterName: string, nodeName: string): string {
  return join(clusterDir(clusterName), `${nodeName}.log`);
}

function spawnAgent(clusterName: string, nodeName: string, o: SimWorkerOptions): number {
  const cliScript = o.cliScript ?? process.argv[1];
  if (!cliScript) throw new Error('cannot locate the kubelab program to start the agent with');
  const log = openSync(agentLogPath(clusterName, nodeName), 'a');
  const args = [
    cliScript,
    'agent',
    '--kubeconfig',
    clusterKubeconfigPath(clusterName),
    '--node-name',
    nodeName,
    '--runtime',
    'sim',
    ...(o.readyDelayMs !== undefined ? ['--ready-delay-ms', String(o.readyDelayMs)] : []),
    ...(o.cpu ? ['--cpu', o.cpu] : []),
    ...(o.memory ? ['--memory', o.memory] : []),
    ...(o.pods !== undefined ? ['--pods', String(o.pods)] : []),
  ];
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  if (!child.pid) throw new Error(`could not start the agent for ${nodeName}`);
  return child.pid;
}

async function recordMachines(clusterName: string, update: (machines: MachineRecord[]) => MachineRecord[]) {
  const record = await readClusterRecord(clusterName);
  if (!record) throw new Error(`no cluster named "${clusterName}" (see \`kubelab clusters\`)`);
  await writeClusterRecord({ ...record, machines: update(record.machines) });
}

async function machine(clusterName: string, nodeName: string, anyRole = false): Promise<MachineRecord> {
  const record = await readClusterRecord(clusterName);
  if (!record) throw new Error(`no cluster named "${clusterName}" (see \`kubelab clusters\`)`);
  const m = record.machines.find((x) => x.name === nodeName && (anyRole || x.role === 'worker'));
  if (!m) {
    const workers = record.machines.filter((x) => x.role === 'worker').map((x) => x.name);
    throw new Error(
      `cluster "${clusterName}" has no worker node "${nodeName}" (nodes: ${workers.join(', ') || 'none'})`,
    );
  }
  return m;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !processAlive(pid);
}

async function waitUntilReady(
  clusterName: string,
  names: string[],
  pids: Map<string, number>,
  timeoutMs: number,
) {
  const client = ApiClient.fromKubeconfig(clusterKubeconfigPath(clusterName));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      for (const [name, pid] of pids) {
        if (processAlive(pid)) continue;
        const log = agentLogPath(clusterName, name);
        const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
        throw new Error(`the agent of ${name} exited during start-up; last lines of ${log}:\n${tail}`);
      }
      const nodes = await client
        .resource<Node>(resource.nodes)
        .list()
        .catch(() => ({ items: [] as Node[] }));
      const ready = new Set(nodes.items.filter(isNodeReady).map((n) => n.metadata?.name));
      const missing = names.filter((n) => !ready.has(n));
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

/**
 * Makes sure workers 1..count run (starting the ones that are not), records their pids and
 * waits until their Nodes are Ready. Idempotent: running workers are left alone.
 */
export async function startSimWorkers(
  clusterName: string,
  count: number,
  options: SimWorkerOptions = {},
): Promise<MachineRecord[]> {
  const record = await readClusterRecord(clusterName);
  if (!record) throw new Error(`no cluster named "${clusterName}" (see \`kubelab clusters\`)`);
  const names = Array.from({ length: count }, (_, i) => simWorkerName(clusterName, i + 1));
  const started = new Map<string, number>();
  for (const name of names) {
    const existing = record.machines.find((m) => m.name === name);
    if (processAlive(existing?.pid)) continue;
    started.set(name, spawnAgent(clusterName, name, options));
  }
  await recordMachines(clusterName, (machines) => [
    ...machines.filter((m) => !started.has(m.name)),
    ...[...started].map(([name, pid]) => ({ name, role: 'worker' as const, pid, address: '127.0.0.1' })),
  ]);
  await waitUntilReady(clusterName, names, started, options.readyTimeoutMs ?? 30_000);
  const after = await readClusterRecord(clusterName);
  return (after?.machines ?? []).filter((m) => names.includes(m.name));
}

/** Stops a worker's agent (SIGTERM, SIGKILL after 10 s); a frozen one is thawed so it can exit. */
/** Stops a machine's process (a worker's agent, or the control plane's server). */
export async function stopSimMachine(clusterName: string, nodeName: string): Promise<void> {
  const { pid } = await machine(clusterName, nodeName, true);
  if (!pid || !processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  process.kill(pid, 'SIGCONT');
  if (!(await waitForExit(pid, 10_000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

export async function failSimNode(
  clusterName: string,
  nodeName: string,
  mode: NodeFailureMode,
): Promise<void> {
  const { pid } = await machine(clusterName, nodeName);
  if (!pid || !processAlive(pid))
    throw new Error(
      `node ${nodeName} is already down (bring it back with \`kubelab node recover ${nodeName}\`)`,
    );
  if (mode === 'partition') {
    process.kill(pid, 'SIGSTOP');
  } else if (mode === 'agent') {
    await stopSimMachine(clusterName, nodeName);
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
  clusterName: string,
  nodeName: string,
  options: SimWorkerOptions = {},
): Promise<'resumed' | 'restarted' | 'running'> {
  const { pid } = await machine(clusterName, nodeName);
  if (processAlive(pid)) {
    if (!(await processFrozen(pid))) return 'running';
    process.kill(pid!, 'SIGCONT');
    return 'resumed';
  }
  const newPid = spawnAgent(clusterName, nodeName, options);
  await recordMachines(clusterName, (machines) =>
    machines.map((m) => (m.name === nodeName ? { ...m, pid: newPid } : m)),
  );
  await waitUntilReady(
    clusterName,
    [nodeName],
    new Map([[nodeName, newPid]]),
    options.readyTimeoutMs ?? 30_000,
  );
  return 'restarted';
}
