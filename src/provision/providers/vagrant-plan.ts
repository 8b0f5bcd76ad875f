// The vagrant provider's decisions, kept apart from running Vagrant so they can be tested
// without it: which address each machine of a plan gets, the settings pinned at the top of the
// cluster's copy of the Vagrantfile, the environment vagrant runs with, and how to read what
// `vagrant up` and `vagrant status --machine-readable` print.
//
// Addresses are fixed, not DHCP: a machine's address is its Node's InternalIP and the other
// machines' routes and the partition rules name it, so it must survive a poweroff. The default
// network, 192.168.56.0/24, is inside the only range VirtualBox (>= 6.1.28) allows host-only
// networks in without /etc/vbox/networks.conf; libvirt takes any range.
import { validateNodeName } from '../../api/names.js';
import type { MachinePlan, MachineRole } from './machine-provider.js';

export interface VagrantMachineSettings {
  name: string;
  role: MachineRole;
  /** Its fixed address on the private network. */
  address: string;
}

/** What the cluster's Vagrantfile copy is pinned to; also saved as JSON beside it. */
export interface VagrantClusterSettings {
  cluster: string;
  box: string;
  /** First three octets of the private /24, e.g. `192.168.56`. */
  networkPrefix: string;
  /** Last octet of the control plane's address; workers follow it. */
  firstHost: number;
  memoryMb: number;
  cpus: number;
  /** The control plane first, as in the plan. */
  machines: VagrantMachineSettings[];
}

export const vagrantDefaults = {
  box: 'debian/bookworm64',
  networkPrefix: '192.168.56',
  firstHost: 10,
  memoryMb: 2048,
  cpus: 2,
} as const;

/**
 * The Vagrantfile's own naming when run by hand (`KUBELAB_CLUSTER`, `KUBELAB_WORKERS`):
 * `<cluster>-control-plane`, `<cluster>-worker1` ... `<cluster>-worker<K>`.
 */
export function vagrantMachineNames(cluster: string, workers: number): MachinePlan['machines'] {
  return [
    { name: `${cluster}-control-plane`, role: 'control-plane' },
    ...Array.from({ length: workers }, (_, i) => ({
      name: `${cluster}-worker${i + 1}`,
      role: 'worker' as const,
    })),
  ];
}

function integerSetting(
  env: NodeJS.ProcessEnv,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new Error(`${key}=${raw}: must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * The settings for a plan. Settings from environment variables (the same names the Vagrantfile
 * reads: KUBELAB_NETWORK_PREFIX, KUBELAB_FIRST_HOST, KUBELAB_MEMORY, KUBELAB_CPUS, KUBELAB_BOX)
 * apply to a new cluster; an existing cluster (`previous`, what the last `kubelab up` pinned)
 * keeps its network and every machine keeps its address, because a running VM would not take
 * a new one and its Node would then advertise an address nobody answers at. Memory and cpus
 * may change; they apply when a machine next boots.
 */
export function vagrantSettingsFor(
  plan: MachinePlan,
  env: NodeJS.ProcessEnv = {},
  previous?: VagrantClusterSettings,
): VagrantClusterSettings {
  const planProblem = vagrantPlanProblem(plan);
  if (planProblem)
    throw new Error(`cannot make Vagrant machines for cluster ${plan.cluster}: ${planProblem}`);
  let networkPrefix = previous?.networkPrefix ?? env.KUBELAB_NETWORK_PREFIX ?? vagrantDefaults.networkPrefix;
  if (networkPrefix === '') networkPrefix = vagrantDefaults.networkPrefix;
  if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){2}$/.test(networkPrefix))
    throw new Error(
      `KUBELAB_NETWORK_PREFIX=${networkPrefix}: must be the first three octets of a /24, e.g. 192.168.56`,
    );
  const firstHost =
    previous?.firstHost ?? integerSetting(env, 'KUBELAB_FIRST_HOST', vagrantDefaults.firstHost, 2, 254);
  const box = env.KUBELAB_BOX || previous?.box || vagrantDefaults.box;

  const kept = new Map(previous?.machines.map((m) => [m.name, m.address]));
  const taken = new Set(plan.machines.flatMap((m) => (kept.has(m.name) ? [kept.get(m.name)!] : [])));
  const machines = plan.machines.map((m, index) => {
    const address = kept.get(m.name) ?? nextFreeAddress(networkPrefix, firstHost + index, taken);
    taken.add(address);
    return { name: m.name, role: m.role, address };
  });
  return {
    cluster: plan.cluster,
    box,
    networkPrefix,
    firstHost,
    memoryMb: integerSetting(env, 'KUBELAB_MEMORY', vagrantDefaults.memoryMb, 512, 1024 * 1024),
    cpus: integerSetting(env, 'KUBELAB_CPUS', vagrantDefaults.cpus, 1, 256),
    machines,
  };
}

function nextFreeAddress(prefix: string, from: number, taken: Set<string>): string {
  for (let host = from; host <= 254; host++) {
    const address = `${prefix}.${host}`;
    if (!taken.has(address)) return address;
  }
  throw new Error(
    `no free address left in ${prefix}.0/24 from .${from} on: set KUBELAB_FIRST_HOST lower, or use fewer workers`,
  );
}

/** Why Vagrant cannot make this plan's machines, or undefined. */
export function vagrantPlanProblem(plan: MachinePlan): string | undefined {
  const [first, ...rest] = plan.machines;
  if (first?.role !== 'control-plane') return 'the plan must start with its control-plane machine';
  if (rest.some((m) => m.role === 'control-plane')) return 'the plan has more than one control-plane machine';
  const seen = new Set<string>();
  for (const { name } of plan.machines) {
    // A node name (lowercase letters, digits, '-', '.') also never holds the ',' and '=' that
    // separate KUBELAB_MACHINES entries, nor anything a VM name or a hostname refuses.
    const problems = validateNodeName(name, false);
    if (problems.length) return `machine name "${name}" is not a valid node name: ${problems.join('; ')}`;
    if (seen.has(name)) return `machine name "${name}" appears twice`;
    seen.add(name);
  }
  return undefined;
}

/** A Ruby single-quoted string literal. */
function rubyString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * The lines put above the repository's Vagrantfile in the cluster's copy: they set the
 * environment the Vagrantfile reads, so every vagrant command there (kubelab's, or a person's
 * `vagrant ssh lab-worker1`) sees the same machines whatever the caller's environment says.
 */
export function vagrantfileHeader(settings: VagrantClusterSettings, copiedFrom: string): string {
  const pinned: [string, string][] = [
    ['KUBELAB_CLUSTER', settings.cluster],
    ['KUBELAB_MACHINES', settings.machines.map((m) => `${m.name}=${m.address}`).join(',')],
    ['KUBELAB_NETWORK_PREFIX', settings.networkPrefix],
    ['KUBELAB_FIRST_HOST', String(settings.firstHost)],
    ['KUBELAB_MEMORY', String(settings.memoryMb)],
    ['KUBELAB_CPUS', String(settings.cpus)],
    ['KUBELAB_BOX', settings.box],
  ];
  return [
    `# Written by kubelab for cluster ${settings.cluster}: a copy of ${copiedFrom}`,
    '# with these settings pinned. `kubelab up` rewrites it; `kubelab down` destroys the machines and',
    '# removes this folder. Any vagrant command run here acts on this cluster only.',
    ...pinned.map(([key, value]) => `ENV[${rubyString(key)}] = ${rubyString(value)}`),
    '',
    '',
  ].join('\n');
}

/**
 * The environment vagrant runs with: the caller's (PATH, HOME, VAGRANT_HOME for boxes,
 * VAGRANT_DEFAULT_PROVIDER to pick libvirt) with the folder forced to the cluster's own.
 * A VAGRANT_DOTFILE_PATH or VAGRANT_VAGRANTFILE set for other projects would make every
 * cluster share one machine state, so they are dropped.
 */
export function vagrantEnv(dir: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, VAGRANT_CWD: dir, VAGRANT_NO_COLOR: '1' };
  delete env.VAGRANT_DOTFILE_PATH;
  delete env.VAGRANT_VAGRANTFILE;
  return env;
}

/**
 * One line of vagrant's human output: `==> lab-worker1: Booting VM...`, its indented detail
 * lines (`    lab-worker1: SSH address: 127.0.0.1:2222`), and `Bringing machine 'lab-worker1'
 * up with 'virtualbox' provider...` belong to a machine; anything else (warnings, `==> vagrant:`
 * notices) to none. Undefined for blank lines.
 */
export function vagrantOutputLine(
  line: string,
  machines: readonly string[],
): { machine?: string; text: string } | undefined {
  const text = line.trimEnd();
  if (text.trim() === '') return undefined;
  const prefixed = /^(?:==> | {4})([^\s:]+): ?(.*)$/.exec(text);
  if (prefixed && machines.includes(prefixed[1]!)) return { machine: prefixed[1]!, text: prefixed[2]! };
  const bringing = /^Bringing machine '([^']+)' up/.exec(text);
  if (bringing && machines.includes(bringing[1]!)) return { machine: bringing[1]!, text };
  return { text: text.trim() };
}

/**
 * `vagrant status --machine-readable`: `<time>,<machine>,state,<state>` lines to machine ->
 * state (`running`, `poweroff`, `aborted`, `saved` with VirtualBox; `shutoff`, `paused` with
 * libvirt; `not_created` with either).
 */
export function parseVagrantStatus(text: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, machine, type, data] = line.trim().split(',');
    if (machine && type === 'state' && data) states.set(machine, data);
  }
  return states;
}
