import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  liftPartitionScript,
  parseSshConnection,
  partitionChain,
  partitionPodsChain,
  partitionScript,
} from '../../src/provision/providers/firewall-partition.js';

const iptablesLines = (script: string) => script.split('\n').filter((l) => l.startsWith('iptables -w -A'));

describe('partitionScript', () => {
  const script = partitionScript({
    peers: ['192.168.56.10', '192.168.56.12', '192.168.56.10'],
    management: { address: '10.0.2.2', sshPort: 22 },
  });

  it('keeps the management SSH session, then drops every other machine both ways', () => {
    expect(iptablesLines(script).filter((l) => l.includes(` ${partitionChain} `))).toEqual([
      `iptables -w -A ${partitionChain} -p tcp -s 10.0.2.2 --dport 22 -j RETURN`,
      `iptables -w -A ${partitionChain} -p tcp -d 10.0.2.2 --sport 22 -j RETURN`,
      `iptables -w -A ${partitionChain} -s 192.168.56.10 -j DROP`,
      `iptables -w -A ${partitionChain} -d 192.168.56.10 -j DROP`,
      `iptables -w -A ${partitionChain} -s 192.168.56.12 -j DROP`,
      `iptables -w -A ${partitionChain} -d 192.168.56.12 -j DROP`,
    ]);
  });

  it("drops routed pod traffic (the cluster's pod range) but not frames bridged between local pods", () => {
    expect(iptablesLines(script).filter((l) => l.includes(partitionPodsChain))).toEqual([
      `iptables -w -A ${partitionPodsChain} -m physdev --physdev-is-bridged -j RETURN`,
      `iptables -w -A ${partitionPodsChain} -s 10.244.0.0/16 -j DROP`,
      `iptables -w -A ${partitionPodsChain} -d 10.244.0.0/16 -j DROP`,
    ]);
    expect(partitionScript({ peers: [], podCIDR: '10.99.0.0/16' })).toContain('-s 10.99.0.0/16 -j DROP');
  });

  it('hooks the chains in first, only after they are filled, and the pod chain in FORWARD only', () => {
    const lines = script.split('\n');
    const hooks = lines.filter((l) => / -I (INPUT|OUTPUT|FORWARD) 1 /.test(l));
    expect(hooks).toEqual([
      `iptables -w -I INPUT 1 -j ${partitionChain}`,
      `iptables -w -I OUTPUT 1 -j ${partitionChain}`,
      `iptables -w -I FORWARD 1 -j ${partitionPodsChain}`,
      `iptables -w -I FORWARD 1 -j ${partitionChain}`,
    ]);
    const lastRule = Math.max(...iptablesLines(script).map((l) => lines.indexOf(l)));
    expect(lines.indexOf(hooks[0]!)).toBeGreaterThan(lastRule);
    expect(lines[0]).toBe('set -e');
  });

  it('without a management address (an IPv6 session) adds no exception', () => {
    const rules = iptablesLines(partitionScript({ peers: ['10.0.0.2'] }));
    expect(rules.filter((l) => l.includes(` ${partitionChain} `))).toEqual([
      `iptables -w -A ${partitionChain} -s 10.0.0.2 -j DROP`,
      `iptables -w -A ${partitionChain} -d 10.0.0.2 -j DROP`,
    ]);
  });

  it('refuses anything but IPv4 addresses, so nothing else reaches the shell', () => {
    expect(() => partitionScript({ peers: ['10.0.0.1; reboot'] })).toThrow(/only IPv4/);
    expect(() => partitionScript({ peers: ['fd00::1'] })).toThrow(/only IPv4/);
    expect(() => partitionScript({ peers: ['node-2'] })).toThrow(/only IPv4/);
    expect(() => partitionScript({ peers: [], management: { address: 'x', sshPort: 22 } })).toThrow(
      /not IPv4/,
    );
  });

  it('is valid sh, and so is lifting', () => {
    for (const text of [script, liftPartitionScript()])
      expect(spawnSync('sh', ['-n', '-c', text]).status).toBe(0);
  });
});

describe('parseSshConnection', () => {
  it("reads this computer's address and the machine's own SSH port", () => {
    expect(parseSshConnection('10.0.2.2 52344 10.0.2.15 22\n')).toEqual({ address: '10.0.2.2', sshPort: 22 });
    expect(parseSshConnection('fe80::1 52344 fe80::2 2222')).toEqual({ address: 'fe80::1', sshPort: 2222 });
  });

  it('refuses what it cannot read rather than cutting the session off', () => {
    expect(() => parseSshConnection('')).toThrow(/cannot tell this computer's SSH session/);
    expect(() => parseSshConnection('10.0.2.2 52344 10.0.2.15')).toThrow(/\$SSH_CONNECTION/);
  });
});
