// The node image's recipe (vm-images/node/) and its key-injection contract: the parts that
// need no root, no network and no Docker (the real build is test/e2e/node-image.test.ts).
import { describe, expect, it } from 'vitest';
import {
  authorizedKeyArchive,
  authorizedKeyKernelArgument,
  authorizedKeyKernelParameter,
} from '../../src/images/node-authorized-key.js';
import {
  debianMirror,
  debootstrapArgs,
  defaultDebianMirror,
  nodeRecipeHash,
  parsePackageList,
  readNodeRecipe,
} from '../../src/images/node-recipe.js';
import type { RecipeFile } from '../../src/images/recipe-files.js';

const publicKey =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIInzEUSnBpHXBKXh5JIbJ7mJ7jtYpr99XOTOn5fbpmoD kubelab@test';

describe('parsePackageList', () => {
  it('reads one package a line, skipping comments and blank lines', () => {
    expect(
      parsePackageList('# a node\nsystemd-sysv\n\n  docker.io  # the runtime\nlinux-image-cloud-amd64\n'),
    ).toEqual(['systemd-sysv', 'docker.io', 'linux-image-cloud-amd64']);
  });

  it('names the file and line of something that is not a package name', () => {
    expect(() => parsePackageList('curl\nopenssh-server sudo\n', 'packages.txt')).toThrow(
      'packages.txt:2: "openssh-server sudo" is not a Debian package name (one package a line)',
    );
    expect(() => parsePackageList('Curl\n', 'p.txt')).toThrow('p.txt:1:');
    expect(() => parsePackageList('# nothing\n', 'p.txt')).toThrow('p.txt: lists no packages');
  });
});

describe('nodeRecipeHash', () => {
  const file = (path: string, content: string, mode = 0o644): RecipeFile => ({
    path,
    mode,
    content: Buffer.from(content),
  });
  const recipe = {
    packages: ['systemd-sysv', 'openssh-server'],
    files: [file('etc/hostname', 'kubelab-node\n'), file('usr/local/sbin/x', '#!/bin/sh\n', 0o755)],
    configureScript: Buffer.from('#!/bin/sh\nset -eu\n'),
  };
  const hash = nodeRecipeHash(recipe);

  it('does not depend on the order of the package list', () => {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(nodeRecipeHash({ ...recipe, packages: ['openssh-server', 'systemd-sysv'] })).toBe(hash);
  });

  it('changes with a package, a file, a mode or the configure script', () => {
    const variants = [
      { ...recipe, packages: [...recipe.packages, 'curl'] },
      { ...recipe, files: [file('etc/hostname', 'other\n'), recipe.files[1]!] },
      { ...recipe, files: [recipe.files[0]!, file('usr/local/sbin/x', '#!/bin/sh\n', 0o644)] },
      { ...recipe, configureScript: Buffer.from('#!/bin/sh\n') },
    ];
    const hashes = new Set([hash, ...variants.map(nodeRecipeHash)]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe('the vm-images/node recipe', () => {
  it('installs what a node needs and bakes in no key of any kind', async () => {
    const recipe = await readNodeRecipe();
    expect(recipe.packages).toEqual(
      expect.arrayContaining([
        'systemd-sysv',
        'openssh-server',
        'docker.io',
        'iproute2',
        'iptables',
        'ca-certificates',
        'linux-image-cloud-amd64',
      ]),
    );
    const paths = recipe.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'etc/ssh/sshd_config.d/kubelab.conf',
        'etc/docker/daemon.json',
        'etc/systemd/system/kubelab-ssh-host-key.service',
        'etc/systemd/system/kubelab-authorized-key.service',
      ]),
    );
    expect(paths.filter((p) => /ssh_host_|authorized_keys|machine-id/.test(p))).toEqual([]);
    const daemon = JSON.parse(
      recipe.files.find((f) => f.path === 'etc/docker/daemon.json')!.content.toString(),
    );
    expect(daemon).toMatchObject({ iptables: true, 'storage-driver': 'overlay2' });
    expect(recipe.files.find((f) => f.path === 'usr/local/sbin/kubelab-authorized-key')?.mode).toBe(0o755);
    expect(recipe.hash).toBe(nodeRecipeHash(recipe));
  });
});

describe('debootstrap', () => {
  it('builds a minbase bookworm with the packages, from the mirror, with a package cache', () => {
    expect(
      debootstrapArgs({
        packages: ['systemd-sysv', 'docker.io'],
        target: '/k/images/node/.build-1/rootfs',
        mirror: 'http://mirror.example/debian',
        packageCache: '/k/images/node/debs',
      }),
    ).toEqual([
      '--variant=minbase',
      '--include=systemd-sysv,docker.io',
      '--cache-dir=/k/images/node/debs',
      'bookworm',
      '/k/images/node/.build-1/rootfs',
      'http://mirror.example/debian',
    ]);
  });

  it('uses $KUBELAB_DEBIAN_MIRROR when set, else deb.debian.org', () => {
    expect(debianMirror({})).toBe(defaultDebianMirror);
    expect(debianMirror({ KUBELAB_DEBIAN_MIRROR: '  ' })).toBe(defaultDebianMirror);
    expect(debianMirror({ KUBELAB_DEBIAN_MIRROR: 'http://10.0.0.1:3142/debian' })).toBe(
      'http://10.0.0.1:3142/debian',
    );
  });
});

describe('key injection', () => {
  it('puts the key on the kernel command line as one base64 word', () => {
    const argument = authorizedKeyKernelArgument(`${publicKey}\n`);
    expect(argument).toMatch(
      new RegExp(`^${authorizedKeyKernelParameter.replace('.', '\\.')}=[A-Za-z0-9+/]+=*$`),
    );
    const encoded = argument.slice(argument.indexOf('=') + 1);
    expect(Buffer.from(encoded, 'base64').toString()).toBe(publicKey);
  });

  it('refuses what is not one public key line, and keys too long for a command line', () => {
    expect(() => authorizedKeyKernelArgument(`${publicKey}\n${publicKey}`)).toThrow(
      /not an OpenSSH public key/,
    );
    expect(() => authorizedKeyKernelArgument('-----BEGIN OPENSSH PRIVATE KEY-----')).toThrow(
      /not an OpenSSH public key/,
    );
    expect(() => authorizedKeyKernelArgument(`ssh-rsa ${'A'.repeat(1600)}`)).toThrow(/too long.*ed25519/);
  });

  it('archives /root/.ssh/authorized_keys root-owned, 0600 in a 0700 folder, for docker cp', () => {
    const archive = authorizedKeyArchive(publicKey);
    const header = (offset: number) => ({
      name: archive
        .subarray(offset, offset + 100)
        .toString()
        .replace(/\0+$/, ''),
      mode: parseInt(archive.subarray(offset + 100, offset + 107).toString(), 8),
      uid: parseInt(archive.subarray(offset + 108, offset + 115).toString(), 8),
      size: parseInt(archive.subarray(offset + 124, offset + 135).toString(), 8),
    });
    expect(header(0)).toEqual({ name: 'root/.ssh/', mode: 0o700, uid: 0, size: 0 });
    expect(header(512)).toEqual({
      name: 'root/.ssh/authorized_keys',
      mode: 0o600,
      uid: 0,
      size: publicKey.length + 1,
    });
    expect(archive.subarray(1024, 1024 + publicKey.length + 1).toString()).toBe(`${publicKey}\n`);
  });
});
