import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TarEntry, tarArchive, workloadRootfs } from '../../src/images/rootfs-tar.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes the archive and lets GNU tar, a real reader, list and extract it. */
function withGnuTar(entries: TarEntry[]): { listing: string[]; root: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-tar-'));
  dirs.push(dir);
  const archive = join(dir, 'rootfs.tar');
  writeFileSync(archive, tarArchive(entries));
  const listing = execFileSync('tar', ['-tvf', archive, '--numeric-owner'], { encoding: 'utf8' })
    .trim()
    .split('\n');
  execFileSync('tar', ['-xf', archive, '-C', dir, '--no-same-owner']);
  return { listing, root: dir };
}

describe('tarArchive', () => {
  it('writes directories, files and symlinks that GNU tar reads back exactly', () => {
    const content = Buffer.from('#!/bin/sh\necho hi\n');
    const longDir = `deep/${'d'.repeat(90)}`;
    const { listing, root } = withGnuTar([
      { type: 'directory', path: 'bin', mode: 0o755 },
      { type: 'directory', path: 'tmp', mode: 0o1777 },
      { type: 'file', path: 'bin/hello', mode: 0o755, content },
      { type: 'file', path: 'bin/empty', mode: 0o644, content: Buffer.alloc(0) },
      { type: 'symlink', path: 'bin/sh', target: 'hello' },
      { type: 'directory', path: 'deep', mode: 0o755 },
      { type: 'directory', path: longDir, mode: 0o755 },
      { type: 'file', path: `${longDir}/file-with-a-long-name`, mode: 0o644, content: Buffer.from('x') },
    ]);
    expect(listing).toHaveLength(8);
    expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0 .* bin\/$/);
    expect(listing[1]).toMatch(/^drwxrwxrwt 0\/0 .* tmp\/$/);
    expect(listing[2]).toMatch(/^-rwxr-xr-x 0\/0 +18 .* bin\/hello$/);
    expect(listing[4]).toMatch(/^lrwxrwxrwx 0\/0 .* bin\/sh -> hello$/);
    expect(listing[7]).toContain(`${longDir}/file-with-a-long-name`);
    expect(readFileSync(join(root, 'bin/hello'))).toEqual(content);
    expect(statSync(join(root, 'bin/hello')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(root, 'bin/empty'))).toHaveLength(0);
    expect(readlinkSync(join(root, 'bin/sh'))).toBe('hello');
    expect(readFileSync(join(root, longDir, 'file-with-a-long-name'), 'utf8')).toBe('x');
  });

  it('is a pure function of its entries, padded to 512-byte blocks', () => {
    const entries: TarEntry[] = [{ type: 'file', path: 'a', mode: 0o644, content: Buffer.from('abc') }];
    const first = tarArchive(entries);
    expect(first.equals(tarArchive(entries))).toBe(true);
    expect(first.length).toBe(512 + 512 + 1024); // header, one data block, end-of-archive
  });

  it('refuses a path that ustar cannot hold', () => {
    const entry: TarEntry = { type: 'file', path: 'x'.repeat(120), mode: 0o644, content: Buffer.alloc(0) };
    expect(() => tarArchive([entry])).toThrow(/path too long/);
  });
});

describe('workloadRootfs', () => {
  const busybox = Buffer.from('pretend busybox');
  const entries = workloadRootfs({
    busybox,
    applets: ['sh', 'nc', 'sleep'],
    files: [
      { path: 'bin/sleep', mode: 0o755, content: Buffer.from('#!/bin/sh\n') },
      { path: 'etc/kubelab/routes.d/50-web.sh', mode: 0o644, content: Buffer.from('case x in esac\n') },
    ],
  });
  const byPath = new Map(entries.map((e) => [e.path, e]));

  it('links every applet to busybox, except where a recipe file takes the path', () => {
    expect(byPath.get('bin/busybox')).toMatchObject({ type: 'file', mode: 0o755, content: busybox });
    expect(byPath.get('bin/sh')).toEqual({ type: 'symlink', path: 'bin/sh', target: 'busybox' });
    expect(byPath.get('bin/nc')).toEqual({ type: 'symlink', path: 'bin/nc', target: 'busybox' });
    expect(byPath.get('bin/sleep')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(entries.filter((e) => e.path === 'bin/sleep')).toHaveLength(1);
  });

  it('creates the base directories and every parent before its children', () => {
    expect(byPath.get('tmp')).toEqual({ type: 'directory', path: 'tmp', mode: 0o1777 });
    for (const dir of ['proc', 'sys', 'dev', 'etc/kubelab', 'etc/kubelab/routes.d'])
      expect(byPath.has(dir)).toBe(true);
    entries.forEach((entry, index) => {
      const parent = entry.path.slice(0, entry.path.lastIndexOf('/'));
      if (parent) expect(entries.findIndex((e) => e.path === parent)).toBeLessThan(index);
    });
  });

  it('makes a root filesystem GNU tar extracts with the right modes', () => {
    const { root } = withGnuTar(entries);
    expect(readlinkSync(join(root, 'bin/sh'))).toBe('busybox');
    expect(statSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(readFileSync(join(root, 'etc/kubelab/routes.d/50-web.sh'), 'utf8')).toBe('case x in esac\n');
  });
});
