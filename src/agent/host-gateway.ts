// The host-gateway pod network (what flannel's host-gw backend does), run by the agent itself:
// this node's pods sit on a bridge that holds the node's /24 from node IPAM
// (runtime/docker-pod-network.ts), and every node routes each other node's /24 to that node's
// InternalIP. Packets between pods cross the machines' own network unchanged — no overlay, no
// NAT — which is why it needs the machines on one L2 segment (a Docker network, qemu's shared
// segment, a Vagrant private network), as host-gw always has. Traffic from a pod that leaves
// the cluster's pod range is masqueraded to the node's address, so pods still reach the world.
//
// Routes carry their own protocol number, so the agent can tell its routes from everyone
// else's and remove the ones of nodes that left without touching anything it did not make.
import { execFile } from 'node:child_process';
import type { Node } from 'kubernetes-types/core/v1.js';
import { clusterCIDR } from '../api/cluster-network.js';
import { simulatedNodeLabel } from '../api/node-labels.js';

/** `ip route ... proto 77`: marks the routes this agent owns. */
export const routeProtocol = '77';

export interface PodRoute {
  /** Another node's pod CIDR. */
  cidr: string;
  /** That node's InternalIP. */
  via: string;
}

/**
 * The routes this node needs: every other node that has a pod CIDR and an InternalIP. Not
 * SIMULATED nodes: their pods are not processes anywhere and their InternalIP is a loopback
 * address of another computer's agent.
 */
export function peerRoutes(nodes: readonly Node[], self: string): PodRoute[] {
  const routes: PodRoute[] = [];
  for (const n of nodes) {
    if (n.metadata?.name === self || n.metadata?.labels?.[simulatedNodeLabel] === 'true') continue;
    const cidr = n.spec?.podCIDR;
    const via = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (cidr && via) routes.push({ cidr, via });
  }
  return routes.sort((a, b) => a.cidr.localeCompare(b.cidr));
}

/** What to change so the routes present become the routes wanted (level-triggered). */
export function routeChanges(
  present: readonly PodRoute[],
  wanted: readonly PodRoute[],
): { replace: PodRoute[]; remove: PodRoute[] } {
  const have = new Map(present.map((r) => [r.cidr, r.via]));
  const want = new Set(wanted.map((r) => r.cidr));
  return {
    replace: wanted.filter((r) => have.get(r.cidr) !== r.via),
    remove: present.filter((r) => !want.has(r.cidr)),
  };
}

/** Parses `ip -j route show proto 77`. */
export function parseIpRoutes(json: string): PodRoute[] {
  const parsed = JSON.parse(json || '[]') as { dst?: string; gateway?: string }[];
  return parsed.flatMap((r) => (r.dst && r.gateway ? [{ cidr: r.dst, via: r.gateway }] : []));
}

export interface FirewallChain {
  table: 'filter' | 'nat';
  /** Built-in chain the kubelab chain is hooked into, first. */
  hook: string;
  chain: string;
  rules: string[][];
}

/**
 * The iptables rules of the pod network. FORWARD: Docker sets the policy to DROP and accepts
 * only its own published ports, so pod traffic between nodes is accepted explicitly (flannel
 * does the same). POSTROUTING: pod to pod keeps its address; anything else from this node's
 * pods leaves with the node's (the bridge is made with Docker's own masquerading off).
 */
export function firewallChains(podCIDR: string, bridge: string): FirewallChain[] {
  return [
    {
      table: 'filter',
      hook: 'FORWARD',
      chain: 'KUBELAB-FORWARD',
      rules: [
        ['-s', clusterCIDR, '-j', 'ACCEPT'],
        ['-d', clusterCIDR, '-j', 'ACCEPT'],
      ],
    },
    {
      table: 'nat',
      hook: 'POSTROUTING',
      chain: 'KUBELAB-POSTROUTING',
      rules: [
        ['-s', podCIDR, '-d', clusterCIDR, '-j', 'RETURN'],
        ['-s', podCIDR, '!', '-o', bridge, '-j', 'MASQUERADE'],
      ],
    },
  ];
}

export type CommandRunner = (program: string, args: string[]) => Promise<string>;

const runCommand: CommandRunner = (program, args) =>
  new Promise((resolve, reject) => {
    execFile(program, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });

export interface HostGatewayOptions {
  nodeName: string;
  podCIDR: string;
  bridge: string;
  /** Runs `ip` and `iptables` (the agent is root on its machine). */
  run?: CommandRunner;
  log?(message: string): void;
}

export class HostGatewayNetwork {
  private readonly run: CommandRunner;

  constructor(private readonly o: HostGatewayOptions) {
    this.run = o.run ?? runCommand;
  }

  /** Brings routes and firewall to what `nodes` need; safe to call as often as nodes change. */
  async sync(nodes: readonly Node[]): Promise<void> {
    await this.ensureFirewall();
    const present = parseIpRoutes(
      await this.run('ip', ['-j', 'route', 'show', 'table', 'main', 'proto', routeProtocol]),
    );
    const { replace, remove } = routeChanges(present, peerRoutes(nodes, this.o.nodeName));
    for (const r of remove) {
      await this.run('ip', ['route', 'del', r.cidr, 'proto', routeProtocol]);
      this.o.log?.(`pod network: removed route ${r.cidr} via ${r.via} (node gone)`);
    }
    for (const r of replace) {
      await this.run('ip', ['route', 'replace', r.cidr, 'via', r.via, 'proto', routeProtocol]);
      this.o.log?.(`pod network: route ${r.cidr} via ${r.via}`);
    }
  }

  /** Creates the chains and their hooks when missing (Docker Engine restarting may drop hooks). */
  private async ensureFirewall(): Promise<void> {
    for (const c of firewallChains(this.o.podCIDR, this.o.bridge)) {
      const t = ['-w', '-t', c.table];
      const exists = await this.succeeds(['-w', '-t', c.table, '-n', '-L', c.chain]);
      if (!exists) await this.run('iptables', [...t, '-N', c.chain]);
      for (const rule of c.rules)
        if (!(await this.succeeds([...t, '-C', c.chain, ...rule])))
          await this.run('iptables', [...t, '-A', c.chain, ...rule]);
      if (!(await this.succeeds([...t, '-C', c.hook, '-j', c.chain])))
        await this.run('iptables', [...t, '-I', c.hook, '1', '-j', c.chain]);
    }
  }

  private async succeeds(args: string[]): Promise<boolean> {
    try {
      await this.run('iptables', args);
      return true;
    } catch {
      return false;
    }
  }
}
