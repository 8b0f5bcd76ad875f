// What bootstrap needs to know about a machine before changing it: which distribution (to
// install Docker Engine from its packages), which architecture (which Node build to upload),
// whether systemd runs (to install services), whether Docker and a usable Node are already
// there, and how big it is. All of it in one SSH round-trip: a small POSIX shell script
// printing key=value lines, parsed here.
import type { SshConnection } from './ssh-connection.js';
import { sshRun } from './ssh-exec.js';

export interface MachineFacts {
  os: {
    /** os-release ID: `debian`, `ubuntu`, `fedora`... */
    id: string;
    /** os-release ID_LIKE: the families it follows (Ubuntu says `debian`). */
    idLike: string[];
    versionId: string;
    prettyName: string;
  };
  /** `uname -m` as the machine says it: `x86_64`, `aarch64`... */
  machine: string;
  /** Kubernetes' (and Docker's) name for it: `amd64`, `arm64`...; undefined when unknown. */
  architecture: string | undefined;
  /** `uname -r`. */
  kernel: string;
  /** `systemd` when systemd is the running init (sd_booted()'s test: /run/systemd/system exists). */
  initSystem: 'systemd' | 'other';
  /** How bootstrap becomes root there: it is root, it may `sudo -n`, or it cannot. */
  rootAccess: 'root' | 'sudo' | 'none';
  docker: {
    /** The `docker` command is installed. */
    installed: boolean;
    /** The engine's version when `docker info` answered; undefined when the engine is not running. */
    serverVersion: string | undefined;
  };
  node: {
    /** `node --version` of the node on PATH (`v22.13.1`), if any. */
    version: string | undefined;
    /** True when that version can run the kubelab bundles (>= minimumNodeVersion). */
    usable: boolean;
  };
  memory: { totalBytes: number; availableBytes: number };
  /** Processors this login may use (`nproc`). */
  cpus: number;
}

/**
 * The oldest Node that runs the kubelab bundles: package.json's engines field. 22.13 rather than
 * 22.0 because that is where `node:sqlite`, the server's default store, stopped needing a flag.
 */
export const minimumNodeVersion = '22.13.0';

// `docker info` waits for a daemon that is starting or wedged: bounded by `timeout` when the
// machine has it (coreutils and busybox both do). Runs as the login user; only `docker info`
// needs root (or the docker group), so it alone goes through sudo.
const factsScript = [
  'export LC_ALL=C',
  'if [ "$(id -u)" = 0 ]; then echo root=root; as_root=',
  'elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then echo root=sudo; as_root="sudo -n"',
  'else echo root=none; as_root=; fi',
  'echo "machine=$(uname -m)"',
  'echo "kernel=$(uname -r)"',
  'for f in /etc/os-release /usr/lib/os-release; do if [ -r "$f" ]; then sed "s/^/os./" "$f"; break; fi; done',
  'if [ -d /run/systemd/system ]; then echo init=systemd; else echo init=other; fi',
  'bounded=; if command -v timeout >/dev/null 2>&1; then bounded="timeout 20"; fi',
  'if command -v docker >/dev/null 2>&1; then echo docker.installed=yes;',
  `  echo "docker.server=$($bounded $as_root docker info --format '{{.ServerVersion}}' 2>/dev/null)";`,
  'else echo docker.installed=no; fi',
  'echo "node=$(node --version 2>/dev/null)"',
  "sed -n 's/^MemTotal: *\\([0-9]*\\) kB$/memory.total_kib=\\1/p; s/^MemAvailable: *\\([0-9]*\\) kB$/memory.available_kib=\\1/p' /proc/meminfo",
  'echo "cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"',
].join('\n');

/** Reads the machine's facts in one round-trip. */
export async function readMachineFacts(
  connection: SshConnection,
  options: { timeoutMs?: number } = {},
): Promise<MachineFacts> {
  const step = 'detect the OS and architecture';
  const { stdout } = await sshRun(connection, factsScript, {
    step,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  try {
    return parseMachineFacts(stdout);
  } catch (e) {
    throw connection.error(step, 'ssh', (e as Error).message, e);
  }
}

/** The facts in the script's output. */
export function parseMachineFacts(output: string): MachineFacts {
  const values = new Map<string, string>();
  const osRelease: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('os.')) osRelease.push(line.slice(3));
    else if (line.includes('='))
      values.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim());
  }
  const required = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`the machine did not report ${key}`);
    return value;
  };
  const os = parseOsRelease(osRelease.join('\n'));
  const machine = required('machine');
  const nodeVersion = values.get('node') || undefined;
  const kib = (key: string) => Number(values.get(key) ?? 0) * 1024;
  const root = values.get('root');
  return {
    os: {
      id: os.ID ?? 'linux',
      idLike: (os.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
      versionId: os.VERSION_ID ?? '',
      prettyName: os.PRETTY_NAME ?? os.NAME ?? 'Linux',
    },
    machine,
    architecture: kubernetesArchitecture(machine),
    kernel: required('kernel'),
    initSystem: values.get('init') === 'systemd' ? 'systemd' : 'other',
    rootAccess: root === 'root' || root === 'sudo' ? root : 'none',
    docker: {
      installed: values.get('docker.installed') === 'yes',
      serverVersion: values.get('docker.server') || undefined,
    },
    node: { version: nodeVersion, usable: nodeVersionUsable(nodeVersion) },
    memory: { totalBytes: kib('memory.total_kib'), availableBytes: kib('memory.available_kib') },
    cpus: Number(required('cpus')),
  };
}

/**
 * /etc/os-release as a map (os-release(5)): KEY=value lines, values optionally in double
 * quotes (with \" \\ \$ \` escapes) or single quotes; other lines ignored.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(raw.trim());
    if (!match) continue;
    let value = match[2]!;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1).replace(/\\([$"\\`])/g, '$1');
    else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
    fields[match[1]!] = value;
  }
  return fields;
}

const architectures: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  armv6l: 'arm',
  i386: '386',
  i686: '386',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** `uname -m` in Kubernetes' words (GOARCH), or undefined for one it has no name for. */
export function kubernetesArchitecture(unameMachine: string): string | undefined {
  return architectures[unameMachine];
}

/** `v22.13.1` or `22.13.1` as [major, minor, patch]; undefined when it is not a version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
export function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether a `node --version` output names a Node that can run the kubelab bundles. */
export function nodeVersionUsable(version: string | undefined, minimum = minimumNodeVersion): boolean {
  const found = version === undefined ? undefined : parseVersion(version);
  return found !== undefined && compareVersions(found, parseVersion(minimum)!) >= 0;
}
