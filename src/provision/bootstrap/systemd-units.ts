// The systemd units bootstrap writes (pure text, so a test reads exactly what a machine gets).
// systemd restarts a crashed server or agent within a second; `systemctl stop` (how
// `kubelab node fail --mode agent` stops an agent) is not a crash, so it stays stopped.
import { shellQuote } from '../ssh/index.js';
import { remoteBinDir } from './kubelab-bundles.js';

export const serverUnitName = 'kubelab-server.service';
export const agentUnitName = 'kubelab-agent.service';
export const serverDataDir = '/var/lib/kubelab/server';
export const agentDataDir = '/var/lib/kubelab/agent';
export const nodeKubeconfigPath = '/etc/kubelab/kubelet.kubeconfig';
export const bootstrapKubeconfigPath = '/etc/kubelab/bootstrap.kubeconfig';
export const serverAdminKubeconfigPath = `${serverDataDir}/admin.kubeconfig`;
export const apiServerPort = 6443;

const execLine = (args: string[]) => args.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : shellQuote(a))).join(' ');

/**
 * V8 flags of the control-plane process, wherever it runs (this unit, a SIMULATED cluster's
 * local server, the benchmarks; src/cli/server-main.ts's first line). Watches catching up on a
 * long history allocate fast: with V8's defaults the young generation grew to 64 MB per
 * semi-space and the old one to six times what was live, 20 watches over 100k revisions adding
 * 140-180 MiB of resident memory. A 16 MB young generation and an old one grown by 30 % past
 * what survives kept that to 32-62 MiB at the same catch-up speed.
 */
export const serverNodeFlags = ['--max-semi-space-size=16', '--heap-growing-percent=30'];

export interface ServerUnitSpec {
  nodePath: string;
  clusterName: string;
  profile: string;
  /** Names and addresses the serving certificate must cover (machine address, forwarded host). */
  sans: string[];
}

export function serverUnit(spec: ServerUnitSpec): string {
  const args = [
    spec.nodePath,
    ...serverNodeFlags,
    `${remoteBinDir}/kubelab-server.mjs`,
    '--data-dir',
    serverDataDir,
    '--listen',
    `0.0.0.0:${apiServerPort}`,
    '--cluster-name',
    spec.clusterName,
    '--profile',
    spec.profile,
    ...[...new Set(spec.sans)].flatMap((s) => ['--san', s]),
  ];
  return `# Written by kubelab bootstrap; \`kubelab up\` rewrites it.
[Unit]
Description=kubelab control plane (API server, scheduler, controller manager)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=${execLine(args)}
Restart=always
RestartSec=1
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}

export interface AgentUnitSpec {
  nodePath: string;
  nodeName: string;
  /** The machine's address on the cluster network: its InternalIP, and where routes point. */
  nodeIP: string;
}

export function agentUnit(spec: AgentUnitSpec): string {
  const args = [
    spec.nodePath,
    // The agent bundle's own V8 flag (see src/cli/agent-main.ts).
    '--max-semi-space-size=1',
    `${remoteBinDir}/kubelab-agent.mjs`,
    '--kubeconfig',
    nodeKubeconfigPath,
    '--bootstrap-kubeconfig',
    bootstrapKubeconfigPath,
    '--node-name',
    spec.nodeName,
    '--runtime',
    'docker',
    '--node-ip',
    spec.nodeIP,
    '--pod-network',
    'host-gw',
    '--data-dir',
    agentDataDir,
  ];
  return `# Written by kubelab bootstrap; \`kubelab up\` rewrites it.
[Unit]
Description=kubelab node agent (kubelet) on Docker Engine
After=docker.service network-online.target
Wants=docker.service network-online.target

[Service]
ExecStart=${execLine(args)}
Restart=always
RestartSec=1
# Containers are Docker Engine's children, not the agent's: stopping the agent leaves pods running.
KillMode=process

[Install]
WantedBy=multi-user.target
`;
}

/**
 * What `kubelab down` runs on a machine it did not create (the ssh provider): everything
 * bootstrap installed goes — units, programs, data, credentials, the pods' containers, the pod
 * bridge, routes and firewall chains — and Docker Engine stays, since it may have been there
 * before. Safe to run twice.
 */
export function teardownScript(): string {
  return [
    `systemctl disable --now ${agentUnitName} ${serverUnitName} 2>/dev/null || true`,
    `rm -f /etc/systemd/system/${agentUnitName} /etc/systemd/system/${serverUnitName}`,
    'systemctl daemon-reload',
    'if command -v docker >/dev/null; then',
    '  ids=$(docker ps -aq --filter label=io.kubernetes.pod.uid); [ -z "$ids" ] || docker rm -f $ids >/dev/null',
    '  docker network rm kubelab-pods >/dev/null 2>&1 || true',
    'fi',
    'ip route flush proto 77 2>/dev/null || true',
    'for c in "filter FORWARD KUBELAB-FORWARD" "nat POSTROUTING KUBELAB-POSTROUTING"; do',
    '  set -- $c',
    '  while iptables -w -t $1 -D $2 -j $3 2>/dev/null; do :; done',
    '  iptables -w -t $1 -F $3 2>/dev/null || true; iptables -w -t $1 -X $3 2>/dev/null || true',
    'done',
    `rm -rf /opt/kubelab /etc/kubelab /var/lib/kubelab`,
  ].join('\n');
}
