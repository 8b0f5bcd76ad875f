// KVM or TCG. A /dev/kvm that opens is no proof that KVM works: on some hosts (nested
// virtualisation without the right CPU features, see shared/ENVIRONMENT.md) a KVM guest
// spins at 100% and never boots, and qemu says nothing. So the probe really boots: the node
// image's kernel with no disk, which panics ("cannot mount root") and, with -no-reboot, makes
// qemu exit. A working KVM gets there in about a second; TCG takes ~5 s; a broken KVM never.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { QemuAccelerator } from './qemu-command-line.js';

export interface AcceleratorChoice {
  accelerator: QemuAccelerator;
  /** Why, in words for the progress line. */
  reason: string;
}

export interface KvmProbeResult {
  /** The exit code, or 'timeout' when it was killed for not finishing in time. */
  exit: number | 'timeout';
  serial: string;
  stderr: string;
  elapsedMs: number;
  timeoutMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The verdict on a KVM probe run (pure, so each outcome is tested without a broken KVM). */
export function kvmProbeVerdict(result: KvmProbeResult): AcceleratorChoice {
  if (result.exit === 0 && /Kernel panic/.test(result.serial))
    return { accelerator: 'kvm', reason: `KVM booted a test kernel in ${seconds(result.elapsedMs)}` };
  if (result.exit === 'timeout')
    return {
      accelerator: 'tcg',
      reason:
        `TCG (software emulation, slow): /dev/kvm is there but a KVM guest did not boot within ` +
        `${seconds(result.timeoutMs)} (KVM hangs on this host)`,
    };
  const said = result.stderr
    .split('\n')
    .map((l) => l.replace(/^qemu-system-x86_64: /, '').trim())
    .filter((l) => l && !/^warning:/i.test(l))
    .slice(0, 2)
    .join('; ');
  return {
    accelerator: 'tcg',
    reason: `TCG (software emulation, slow): qemu could not boot with KVM (exit ${result.exit}${said ? `: ${said}` : ''})`,
  };
}

export interface ProbeOptions {
  qemu: string;
  /** A bzImage to boot; the node image's vmlinuz. */
  kernel: string;
  timeoutMs?: number;
}

/** Boots `kernel` under KVM with no disk and reports how far it got. */
export function runKvmProbe(options: ProbeOptions): Promise<KvmProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.qemu,
      [
        ...['-accel', 'kvm', '-cpu', 'host', '-smp', '1', '-m', '128'],
        ...['-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'stdio'],
        ...['-kernel', options.kernel, '-append', 'console=ttyS0 panic=-1 loglevel=1'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let serial = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      serial += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let timedOut = false;
    // A hung KVM guest burns a host CPU: it is killed, not left to finish.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        exit: timedOut ? 'timeout' : (code ?? -1),
        serial,
        stderr,
        elapsedMs: performance.now() - started,
        timeoutMs,
      });
    });
  });
}

/** KVM when it really boots a kernel, else TCG; /dev/kvm missing or closed is decided without a probe. */
export async function chooseAccelerator(options: ProbeOptions): Promise<AcceleratorChoice> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      accelerator: 'tcg',
      reason:
        code === 'ENOENT'
          ? 'TCG (software emulation, slow): this host has no /dev/kvm'
          : `TCG (software emulation, slow): cannot open /dev/kvm (${code}; add the user to the kvm group)`,
    };
  }
  return kvmProbeVerdict(await runKvmProbe(options));
}

// One probe per process: its verdict does not change while kubelab runs, and every machine
// started by this process asks for it.
let cached: Promise<AcceleratorChoice> | undefined;

export function cachedAcceleratorChoice(options: ProbeOptions): Promise<AcceleratorChoice> {
  cached ??= chooseAccelerator(options).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
