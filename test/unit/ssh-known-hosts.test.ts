import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  hostKeyAlgorithmsFor,
  hostKeyFingerprint,
  hostKeyType,
  knownHostsLine,
  machineNameProblem,
  parseKnownHosts,
} from '../../src/provision/ssh/known-hosts.js';

// Two real host keys with the fingerprints `ssh-keygen -lf` printed for them.
const ed25519 = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOljnzXTeMRTG+9DJvjPQC6i8nrD9by7XbYOydGOjAPl', 'base64');
const ed25519Fingerprint = 'SHA256:sREDFjM7oLSk0HFP9aVKAV0PbR1BR4cFNd8q/uYg+hk';
const rsa = Buffer.from(
  'AAAAB3NzaC1yc2EAAAADAQABAAAAgQCetGH2iY6S9JfbihcZEPFRVyF8whFzSJ50NmwyOjx5FIDV7e+wUeE+puzAvOBj9l0tGwUPRBNNxT0M04228YzjxV2+D0yojDgcEY+Pusy4EhX9h7g0+DN2LZW6X/dCHz96urIUJcD/0w5rSLEmmup4buha1MOY3/l2Ao2xZUvhjQ==',
  'base64',
);
const rsaFingerprint = 'SHA256:FM7+gbc4NCVp9qjefmNvOQGjaFkdA5ttJmK1iUHErQE';

describe('host key fingerprints', () => {
  it('are SHA256 in unpadded base64, as OpenSSH prints them', () => {
    expect(hostKeyFingerprint(ed25519)).toBe(ed25519Fingerprint);
    expect(hostKeyFingerprint(rsa)).toBe(rsaFingerprint);
  });

  it('read the key type from the key itself', () => {
    expect(hostKeyType(ed25519)).toBe('ssh-ed25519');
    expect(hostKeyType(rsa)).toBe('ssh-rsa');
    expect(hostKeyType(Buffer.from([0, 0]))).toBe('unknown');
    expect(hostKeyType(Buffer.from([0, 0, 1, 0, 65]))).toBe('unknown');
  });

  it('an RSA pin accepts the SHA-2 signature algorithms, other types only themselves', () => {
    expect(hostKeyAlgorithmsFor('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithmsFor('ssh-ed25519')).toEqual(['ssh-ed25519']);
  });
});

describe('known_hosts files', () => {
  const text = [
    '# kubelab: a header comment',
    '',
    `worker-1 ssh-ed25519 ${ed25519.toString('base64')} ${ed25519Fingerprint} first seen at 10.0.0.3:22 2025-01-01T00:00:00.000Z`,
    '|1|aGFzaGVk|c2FsdA== ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOljnzXTeMRTG+9DJvjPQC6i8nrD9by7XbYOydGOjAPl',
    `@cert-authority *.example ssh-rsa ${rsa.toString('base64')}`,
    `control-plane,cp-alias ssh-rsa ${rsa.toString('base64')}`,
  ].join('\n');

  it('parse into pins by machine name, skipping comments, hashed hosts and markers', () => {
    const pins = parseKnownHosts(text, 'known_hosts');
    expect(pins.map((p) => [p.name, p.keyType, p.line])).toEqual([
      ['worker-1', 'ssh-ed25519', 3],
      ['control-plane', 'ssh-rsa', 6],
      ['cp-alias', 'ssh-rsa', 6],
    ]);
    expect(pins[0]!.key).toEqual(ed25519);
  });

  it('name the file and line of a broken line instead of skipping it', () => {
    expect(() => parseKnownHosts('worker-1 ssh-ed25519\n', '/c/known_hosts')).toThrow(
      '/c/known_hosts:1: expected "<machine name> <key type> <base64 key> [comment]", got "worker-1 ssh-ed25519"',
    );
    expect(() => parseKnownHosts(`\nworker-1 ssh-rsa ${ed25519.toString('base64')}\n`, 'f')).toThrow(
      'f:2: the key is not a ssh-rsa key (it says ssh-ed25519)',
    );
  });

  it('write lines that parse back to the same pin', () => {
    const line = knownHostsLine('worker-2', rsa, '[::1]:2222', new Date('2025-02-03T04:05:06Z'));
    expect(line).toBe(
      `worker-2 ssh-rsa ${rsa.toString('base64')} ${rsaFingerprint} first seen at [::1]:2222 2025-02-03T04:05:06.000Z\n`,
    );
    expect(parseKnownHosts(line, 'f')).toEqual([{ name: 'worker-2', keyType: 'ssh-rsa', key: rsa, line: 1 }]);
  });

  it('check a presented key: first use, pinned, or changed', () => {
    const pins = parseKnownHosts(text, 'known_hosts');
    expect(checkHostKey(pins, 'worker-7', ed25519)).toEqual({ status: 'first-use' });
    expect(checkHostKey(pins, 'worker-1', ed25519)).toMatchObject({ status: 'pinned', pin: { line: 3 } });
    const changed = checkHostKey(pins, 'worker-1', rsa);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.pins.map((p) => p.line)).toEqual([3]);
    expect(checkHostKey(pins, 'cp-alias', rsa).status).toBe('pinned');
  });
});

describe('machine names', () => {
  it('must be usable as a known_hosts host field', () => {
    expect(machineNameProblem('worker-1')).toBeUndefined();
    expect(machineNameProblem('cp.lab_2')).toBeUndefined();
    for (const bad of ['', 'two words', 'a,b', '!neg', '*', '|1|x', '@revoked', '-x'])
      expect(machineNameProblem(bad)).toMatch(/must be letters, digits/);
  });
});
