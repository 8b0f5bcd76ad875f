// A VM is a daemonized qemu process that outlives kubelab. Whether one runs is read from
// /proc, never from memory: the pid file qemu wrote names it, and its command line must name
// the machine's own overlay (a pid is reused once its process is gone).
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runBuildCommand } from '../../images/build-command.js';
import type { QemuMachineFiles } from './qemu-vm-state.js';

async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    const [cmdline, stat] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    // A killed qemu whose parent (init, after daemonizing) has not reaped it yet is a zombie:
    // gone for every purpose here, though /proc still lists it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X' || cmdline === '') return undefined;
    return cmdline.split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

const isQemu = (argv: readonly string[]) => basename(argv[0] ?? '').startsWith('qemu-system');

/** The pid of the machine's running qemu, or undefined when it does not run. */
export async function runningQemuPid(files: QemuMachineFiles): Promise<number | undefined> {
  const text = await readFile(files.pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const argv = await commandLine(pid);
  return argv && isQemu(argv) && argv.some((a) => a.includes(files.overlay)) ? pid : undefined;
}

/**
 * Every qemu whose command line names a file under `dir`: what destroy must stop even when a
 * pid file was lost (a VM started by hand from the state, a crash between start and record).
 */
export async function qemuProcessesUsing(dir: string): Promise<number[]> {
  const entries = await readdir('/proc');
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  const found = await Promise.all(
    pids.map(async (pid) => {
      const argv = await commandLine(pid);
      return argv && isQemu(argv) && argv.some((a) => a.includes(`${dir}/`)) ? pid : undefined;
    }),
  );
  return found.filter((p): p is number => p !== undefined);
}

/**
 * Starts qemu with `-daemonize`: the command returns once the VM runs detached (or failed
 * setting up, with qemu's own words), and qemu has written its pid file by then.
 */
export async function startQemu(
  qemu: string,
  args: readonly string[],
  files: QemuMachineFiles,
): Promise<number> {
  await runBuildCommand(qemu, args);
  const pid = await runningQemuPid(files);
  if (pid === undefined)
    throw new Error(`qemu daemonized but ${files.pidFile} names no running qemu (it exited at once?)`);
  return pid;
}

/** SIGKILL, as a power cut: no shutdown, no flush. Resolves once the process is gone. */
export async function killQemu(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw e;
  }
  const deadline = Date.now() + timeoutMs;
  while ((await commandLine(pid)) !== undefined) {
    if (Date.now() > deadline)
      throw new Error(`qemu (pid ${pid}) is still there ${timeoutMs / 1000} s after SIGKILL`);
    await sleep(50);
  }
}
