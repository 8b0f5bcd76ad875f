// The partition scripts (src/provision/providers/firewall-partition.ts) run for REAL: real
// iptables rules, real TCP connections, each run inside a private network namespace of its own
// made with unshare(1), so the host's firewall is never touched. Needs root, unshare, iptables
// and ip (scripts/install-docker.sh installs them); when they are missing the tests fail.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  liftPartitionScript,
  partitionChain,
  partitionPodsChain,
  partitionScript,
} from '../../src/provision/providers/firewall-partition.js';
import { requireProgram } from '../helpers/require-program.js';

/** Runs `steps` in a fresh network namespace whose loopback has 10.9.0.2 and 10.9.0.3. */
function inNamespace(steps: string): string {
  requireProgram(
    'unshare',
    ['-n', 'sh', '-c', 'ip link set lo up && iptables -w -S'],
    'root, unshare, ip and iptables (a private network namespace with its own firewall)',
  );
  const setup = 'set -e; ip link set lo up; ip addr add 10.9.0.2/32 dev lo; ip addr add 10.9.0.3/32 dev lo';
  return execFileSync('unshare', ['-n', 'sh', '-c', `${setup}\n${steps}`], { encoding: 'utf8' });
}

// Listens on three ports and connects to each from the given local address; prints what got
// through. On loopback an answer (accept or refusal) comes at once, so a connection still
// unanswered once two later connections to the management port (never partitioned) have
// completed, one after the other, had its SYN dropped: no timeout decides it.
const probe = `${JSON.stringify(process.execPath)} -e '
const net = require("node:net");
const targets = [["10.9.0.2", 2022, "10.9.0.2"], ["10.9.0.2", 2024, "10.9.0.2"], ["10.9.0.3", 2023, "10.9.0.3"]];
const servers = targets.map(([h, p]) => net.createServer((s) => s.end()).listen(p, h));
const results = targets.map(() => undefined);
const marker = () => new Promise((done) => {
  const s = net.connect({ host: "10.9.0.2", port: 2022, localAddress: "10.9.0.2" }, () => { s.destroy(); done(); });
  s.on("error", done);
});
Promise.all(servers.map((s) => new Promise((r) => s.listening ? r() : s.on("listening", r)))).then(async () => {
  const sockets = targets.map(([host, port, localAddress], i) => {
    const s = net.connect({ host, port, localAddress });
    s.on("connect", () => { results[i] ??= "open"; s.destroy(); });
    s.on("error", (e) => { results[i] ??= e.code; });
    return s;
  });
  await marker();
  await marker();
  console.log(targets.map(([h, p], i) => h + ":" + p + " " + (results[i] ?? "dropped")).join("\\n"));
  sockets.forEach((s) => s.destroy());
  servers.forEach((s) => s.close());
});
'`;

describe('the partition scripts under real iptables (private network namespace)', () => {
  const apply = partitionScript({ peers: ['10.9.0.2'], management: { address: '10.9.0.2', sshPort: 2022 } });
  const lift = liftPartitionScript();
  const save = 'iptables -w -S';

  it('drops a peer but not the management SSH port, even when this computer is that peer', () => {
    const open = '10.9.0.2:2022 open\n10.9.0.2:2024 open\n10.9.0.3:2023 open\n';
    expect(inNamespace(probe)).toBe(open);
    expect(inNamespace(`${apply}\n${probe}`)).toBe(
      '10.9.0.2:2022 open\n10.9.0.2:2024 dropped\n10.9.0.3:2023 open\n',
    );
    expect(inNamespace(`${apply}\n${lift}\n${probe}`)).toBe(open);
  });

  it('applies idempotently, hooked first again after another jump was put above it', () => {
    const once = inNamespace(`${apply}\n${save}`);
    const twice = inNamespace(`${apply}\n${apply}\n${save}`);
    expect(twice).toBe(once);
    expect(once.split('\n').filter((l) => l.endsWith(`-j ${partitionChain}`))).toEqual([
      `-A INPUT -j ${partitionChain}`,
      `-A FORWARD -j ${partitionChain}`,
      `-A OUTPUT -j ${partitionChain}`,
    ]);
    // Docker Engine, restarted, puts its own jump at the top of FORWARD.
    const pushedDown = inNamespace(
      `${apply}\niptables -w -N DOCKER-USER\niptables -w -I FORWARD 1 -j DOCKER-USER\n${apply}\n${save}`,
    );
    const forward = pushedDown.split('\n').filter((l) => l.startsWith('-A FORWARD'));
    expect(forward).toEqual([
      `-A FORWARD -j ${partitionChain}`,
      `-A FORWARD -j ${partitionPodsChain}`,
      '-A FORWARD -j DOCKER-USER',
    ]);
  });

  it('lifts to exactly the firewall there was before, twice or with nothing to lift', () => {
    const before = inNamespace(save);
    expect(inNamespace(`${apply}\n${lift}\n${save}`)).toBe(before);
    expect(inNamespace(`${apply}\n${lift}\n${lift}\n${save}`)).toBe(before);
    expect(inNamespace(`${lift}\n${save}`)).toBe(before);
  });
});
