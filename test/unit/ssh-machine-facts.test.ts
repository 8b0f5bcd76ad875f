import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  kubernetesArchitecture,
  nodeVersionUsable,
  parseMachineFacts,
  parseOsRelease,
  parseVersion,
} from '../../src/provision/ssh/machine-facts.js';

describe('os-release', () => {
  it('reads bare, double-quoted (with escapes) and single-quoted values, ignoring the rest', () => {
    const fields = parseOsRelease(
      [
        '# a comment',
        'PRETTY_NAME="Ubuntu 24.04.1 LTS"',
        'ID=ubuntu',
        'ID_LIKE=debian',
        'VERSION_ID="24.04"',
        "NAME='Ubuntu'",
        'QUOTED="say \\"hi\\" for \\$5 \\\\ done"',
        'not a field',
        '',
      ].join('\n'),
    );
    expect(fields).toEqual({
      PRETTY_NAME: 'Ubuntu 24.04.1 LTS',
      ID: 'ubuntu',
      ID_LIKE: 'debian',
      VERSION_ID: '24.04',
      NAME: 'Ubuntu',
      QUOTED: 'say "hi" for $5 \\ done',
    });
  });
});

describe('architectures', () => {
  it("map uname -m to Kubernetes' names", () => {
    expect(kubernetesArchitecture('x86_64')).toBe('amd64');
    expect(kubernetesArchitecture('aarch64')).toBe('arm64');
    expect(kubernetesArchitecture('armv7l')).toBe('arm');
    expect(kubernetesArchitecture('i686')).toBe('386');
    expect(kubernetesArchitecture('mips')).toBeUndefined();
  });
});

describe('versions', () => {
  it('parse with or without the v and compare numerically', () => {
    expect(parseVersion('v22.13.1')).toEqual([22, 13, 1]);
    expect(parseVersion('24.0.0-nightly')).toEqual([24, 0, 0]);
    expect(parseVersion('node')).toBeUndefined();
    expect(compareVersions([22, 9, 0], [22, 13, 0])).toBeLessThan(0);
    expect(compareVersions([22, 13, 0], [22, 13, 0])).toBe(0);
    expect(compareVersions([24, 0, 0], [22, 13, 0])).toBeGreaterThan(0);
  });

  it('decide whether a node can run the bundles', () => {
    expect(nodeVersionUsable('v20.19.0')).toBe(false);
    expect(nodeVersionUsable('v22.12.0')).toBe(false);
    expect(nodeVersionUsable('v22.13.0')).toBe(true);
    expect(nodeVersionUsable('v24.21.0')).toBe(true);
    expect(nodeVersionUsable(undefined)).toBe(false);
    expect(nodeVersionUsable('garbage')).toBe(false);
    expect(nodeVersionUsable('v22.0.0', '22.0.0')).toBe(true);
  });
});

describe("the facts script's output", () => {
  it('becomes typed facts', () => {
    const facts = parseMachineFacts(
      [
        'root=sudo',
        'machine=aarch64',
        'kernel=6.8.0-45-generic',
        'os.PRETTY_NAME="Ubuntu 24.04.1 LTS"',
        'os.ID=ubuntu',
        'os.ID_LIKE=debian',
        'os.VERSION_ID="24.04"',
        'init=systemd',
        'docker.installed=yes',
        'docker.server=',
        'node=v20.19.0',
        'memory.total_kib=2000000',
        'memory.available_kib=1500000',
        'cpus=4',
        '',
      ].join('\n'),
    );
    expect(facts).toEqual({
      os: { id: 'ubuntu', idLike: ['debian'], versionId: '24.04', prettyName: 'Ubuntu 24.04.1 LTS' },
      machine: 'aarch64',
      architecture: 'arm64',
      kernel: '6.8.0-45-generic',
      initSystem: 'systemd',
      rootAccess: 'sudo',
      docker: { installed: true, serverVersion: undefined },
      node: { version: 'v20.19.0', usable: false },
      memory: { totalBytes: 2_048_000_000, availableBytes: 1_536_000_000 },
      cpus: 4,
    });
  });

  it('of a bare machine: no os-release, no docker, no node', () => {
    const facts = parseMachineFacts(
      'root=root\nmachine=x86_64\nkernel=6.1.0\ninit=other\ndocker.installed=no\nnode=\ncpus=1\n',
    );
    expect(facts.os).toEqual({ id: 'linux', idLike: [], versionId: '', prettyName: 'Linux' });
    expect(facts.docker).toEqual({ installed: false, serverVersion: undefined });
    expect(facts.node).toEqual({ version: undefined, usable: false });
    expect(facts.initSystem).toBe('other');
  });

  it('without the basics is an error saying what is missing', () => {
    expect(() => parseMachineFacts('root=root\nkernel=6.1.0\ncpus=1\n')).toThrow(
      'the machine did not report machine',
    );
  });
});
