// The host-gateway pod network's pure parts: which routes a node needs, what to change to get
// them, how `ip -j route` output reads, and the firewall rules; plus the sync against a
// recording command runner (the commands a real machine would get, in order).
import type { Node } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  firewallChains,
  HostGatewayNetwork,
  parseIpRoutes,
  peerRoutes,
  routeChanges,
} from '../../src/agent/host-gateway.js';

const node = (name: string, podCIDR?: string, ip?: string): Node => ({
  metadata: { name },
  spec: podCIDR ? { podCIDR } : {},
  status: ip
    ? {
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: name },
        ],
      }
    : {},
});

describe('peerRoutes', () => {
  it("routes every other node's pod CIDR to its InternalIP, skipping itself, nodes not ready for it and SIMULATED nodes", () => {
    const nodes = [
      node('a', '10.244.0.0/24', '172.28.1.2'),
      node('b', '10.244.1.0/24', '172.28.1.3'),
      node('c', undefined, '172.28.1.4'),
      node('d', '10.244.3.0/24'),
      {
        ...node('sim', '10.244.4.0/24', '127.0.0.1'),
        metadata: { name: 'sim', labels: { 'node.kubelab.dev/simulated': 'true' } },
      },
    ];
    expect(peerRoutes(nodes, 'a')).toEqual([{ cidr: '10.244.1.0/24', via: '172.28.1.3' }]);
  });
});

describe('routeChanges', () => {
  it('adds missing routes, replaces moved ones and removes routes of nodes that left', () => {
    const present = [
      { cidr: '10.244.1.0/24', via: '172.28.1.3' },
      { cidr: '10.244.2.0/24', via: '172.28.1.9' },
      { cidr: '10.244.5.0/24', via: '172.28.1.5' },
    ];
    const wanted = [
      { cidr: '10.244.1.0/24', via: '172.28.1.3' },
      { cidr: '10.244.2.0/24', via: '172.28.1.4' },
      { cidr: '10.244.3.0/24', via: '172.28.1.6' },
    ];
    expect(routeChanges(present, wanted)).toEqual({
      replace: [
        { cidr: '10.244.2.0/24', via: '172.28.1.4' },
        { cidr: '10.244.3.0/24', via: '172.28.1.6' },
      ],
      remove: [{ cidr: '10.244.5.0/24', via: '172.28.1.5' }],
    });
    expect(routeChanges(wanted, wanted)).toEqual({ replace: [], remove: [] });
  });
});

describe('parseIpRoutes', () => {
  it('reads iproute2 JSON and ignores routes without a gateway', () => {
    const json = JSON.stringify([
      { dst: '10.244.1.0/24', gateway: '172.28.1.3', dev: 'eth0', protocol: '77', flags: [] },
      { dst: '10.244.9.0/24', dev: 'kubelab0', protocol: '77', flags: [] },
    ]);
    expect(parseIpRoutes(json)).toEqual([{ cidr: '10.244.1.0/24', via: '172.28.1.3' }]);
    expect(parseIpRoutes('')).toEqual([]);
  });
});

describe('firewallChains', () => {
  it('accepts forwarded cluster pod traffic and masquerades only what leaves the pod range', () => {
    const [forward, nat] = firewallChains('10.244.2.0/24', 'kubelab0');
    expect(forward).toMatchObject({ table: 'filter', hook: 'FORWARD', chain: 'KUBELAB-FORWARD' });
    expect(forward?.rules).toEqual([
      ['-s', '10.244.0.0/16', '-j', 'ACCEPT'],
      ['-d', '10.244.0.0/16', '-j', 'ACCEPT'],
    ]);
    expect(nat).toMatchObject({ table: 'nat', hook: 'POSTROUTING', chain: 'KUBELAB-POSTROUTING' });
    expect(nat?.rules).toEqual([
      ['-s', '10.244.2.0/24', '-d', '10.244.0.0/16', '-j', 'RETURN'],
      ['-s', '10.244.2.0/24', '!', '-o', 'kubelab0', '-j', 'MASQUERADE'],
    ]);
  });
});

describe('HostGatewayNetwork.sync', () => {
  it('creates chains and hooks once, then changes only the routes that differ', async () => {
    const calls: string[] = [];
    const existingChains = new Set<string>();
    const rules = new Set<string>();
    let routes = JSON.stringify([{ dst: '10.244.7.0/24', gateway: '172.28.1.7' }]);
    const run = async (program: string, args: string[]) => {
      const line = `${program} ${args.join(' ')}`;
      calls.push(line);
      if (program === 'ip' && args[0] === '-j') return routes;
      if (program === 'iptables') {
        // A tiny iptables: chains and rules per table, `-C` fails for what is not there.
        const table = args[2];
        const at = args.findIndex((a) => ['-L', '-N', '-C', '-A', '-I'].includes(a));
        const op = args[at];
        const chain = args[at + 1];
        const rule = args.slice(op === '-I' ? at + 3 : at + 2).join(' ');
        if (op === '-L' && !existingChains.has(`${table} ${chain}`)) throw new Error('No chain by that name');
        if (op === '-N') existingChains.add(`${table} ${chain}`);
        if (op === '-C' && !rules.has(`${table} ${chain} ${rule}`)) throw new Error('Bad rule');
        if (op === '-A' || op === '-I') rules.add(`${table} ${chain} ${rule}`);
      }
      return '';
    };
    const network = new HostGatewayNetwork({
      nodeName: 'a',
      podCIDR: '10.244.0.0/24',
      bridge: 'kubelab0',
      run,
    });
    const nodes = [node('a', '10.244.0.0/24', '172.28.1.2'), node('b', '10.244.1.0/24', '172.28.1.3')];
    await network.sync(nodes);
    expect(calls).toContain('iptables -w -t filter -N KUBELAB-FORWARD');
    expect(calls).toContain('iptables -w -t filter -I FORWARD 1 -j KUBELAB-FORWARD');
    expect(calls).toContain('iptables -w -t nat -I POSTROUTING 1 -j KUBELAB-POSTROUTING');
    expect(calls).toContain('ip route del 10.244.7.0/24 proto 77');
    expect(calls).toContain('ip route replace 10.244.1.0/24 via 172.28.1.3 proto 77');

    calls.length = 0;
    routes = JSON.stringify([{ dst: '10.244.1.0/24', gateway: '172.28.1.3' }]);
    await network.sync(nodes);
    expect(calls.filter((c) => / -[NAI] |route (del|replace)/.test(c))).toEqual([]);
  });
});
