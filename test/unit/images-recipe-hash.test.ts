import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elfInterpreter } from '../../src/images/busybox.js';
import { findWorkloadRecipesDir, readRecipeFiles, recipeHash } from '../../src/images/recipe-files.js';
import {
  findWorkloadImage,
  normalizeImageReference,
  type WorkloadImage,
  workloadImages,
} from '../../src/images/workload-catalogue.js';

const fixture = mkdtempSync(join(tmpdir(), 'kubelab-recipes-'));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

function writeRecipe(path: string, content: string, executable = false): void {
  mkdirSync(join(fixture, path, '..'), { recursive: true });
  writeFileSync(join(fixture, path), content);
  chmodSync(join(fixture, path), executable ? 0o755 : 0o644);
}

writeRecipe('one/bin/serve', '#!/bin/sh\necho one\n', true);
writeRecipe('one/etc/motd', 'hello\n');
writeRecipe('two/bin/serve', '#!/bin/sh\necho two\n', true);
writeRecipe('two/etc/kubelab/routes.d/10-x.sh', 'case x in esac\n');

const image: WorkloadImage = {
  tag: 'kubelab/test:1',
  description: 'a test image',
  layers: ['one', 'two'],
  cmd: ['/bin/serve'],
  env: { B: '2', A: '1' },
  exposedPorts: [8080],
};
const busybox = Buffer.from('busybox v1');

describe('readRecipeFiles', () => {
  it('merges the layers in order (later wins), sorted by path, with modes from the executable bit', async () => {
    const files = await readRecipeFiles(fixture, image);
    expect(files.map((f) => [f.path, f.mode.toString(8), f.content.toString()])).toEqual([
      ['bin/serve', '755', '#!/bin/sh\necho two\n'],
      ['etc/kubelab/routes.d/10-x.sh', '644', 'case x in esac\n'],
      ['etc/motd', '644', 'hello\n'],
    ]);
  });

  it('names the image and the folder when a layer is missing', async () => {
    await expect(readRecipeFiles(fixture, { ...image, layers: ['one', 'nope'] })).rejects.toThrow(
      /kubelab\/test:1: recipe folder .*nope does not exist/,
    );
  });
});

describe('recipeHash', () => {
  it('is stable, and independent of the order env is written in', async () => {
    const files = await readRecipeFiles(fixture, image);
    const hash = recipeHash(image, files, busybox);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recipeHash({ ...image, env: { A: '1', B: '2' } }, files, busybox)).toBe(hash);
  });

  it('changes with any file content or mode, the settings, or the busybox binary', async () => {
    const files = await readRecipeFiles(fixture, image);
    const hash = recipeHash(image, files, busybox);
    const [first, ...rest] = files;
    const variants = [
      recipeHash(image, [{ ...first!, content: Buffer.from('#!/bin/sh\necho three\n') }, ...rest], busybox),
      recipeHash(image, [{ ...first!, mode: 0o644 }, ...rest], busybox),
      recipeHash(image, rest, busybox),
      recipeHash({ ...image, env: { A: '1', B: '3' } }, files, busybox),
      recipeHash({ ...image, cmd: ['/bin/other'] }, files, busybox),
      recipeHash({ ...image, exposedPorts: [9090] }, files, busybox),
      recipeHash(image, files, Buffer.from('busybox v2')),
    ];
    expect(new Set([hash, ...variants]).size).toBe(variants.length + 1);
  });
});

describe('the workload catalogue', () => {
  it("finds every image's recipe folders in vm-images/workloads/, each with its own hash", async () => {
    const recipesDir = findWorkloadRecipesDir();
    const hashes = new Set<string>();
    for (const each of workloadImages) {
      const files = await readRecipeFiles(recipesDir, each);
      expect(files.map((f) => `/${f.path}`)).toContain(each.cmd[0]);
      hashes.add(recipeHash(each, files, busybox));
    }
    expect(hashes.size).toBe(workloadImages.length);
  });

  it('normalizes references the way Docker does', () => {
    expect(normalizeImageReference('kubelab/crash')).toBe('kubelab/crash:latest');
    expect(normalizeImageReference('docker.io/kubelab/web:2')).toBe('kubelab/web:2');
    expect(normalizeImageReference('localhost:5000/kubelab/web')).toBe('localhost:5000/kubelab/web:latest');
    expect(findWorkloadImage('kubelab/slow')?.tag).toBe('kubelab/slow:latest');
    expect(findWorkloadImage('kubelab/web:9')).toBeUndefined();
  });
});

/** A 64-bit little-endian ELF header with the given program header types. */
function elf(programHeaders: { type: number; data?: string }[]): Buffer {
  const phoff = 64;
  const phentsize = 56;
  const dataStart = phoff + phentsize * programHeaders.length;
  const data = programHeaders.map((p) => p.data ?? '').join('');
  const buf = Buffer.alloc(dataStart + data.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // ELFCLASS64
  buf[5] = 1; // little-endian
  buf.writeBigUInt64LE(BigInt(phoff), 0x20);
  buf.writeUInt16LE(phentsize, 0x36);
  buf.writeUInt16LE(programHeaders.length, 0x38);
  let offset = dataStart;
  programHeaders.forEach((p, i) => {
    const at = phoff + i * phentsize;
    buf.writeUInt32LE(p.type, at);
    buf.writeBigUInt64LE(BigInt(offset), at + 0x08);
    buf.writeBigUInt64LE(BigInt(p.data?.length ?? 0), at + 0x20);
    buf.write(p.data ?? '', offset, 'latin1');
    offset += p.data?.length ?? 0;
  });
  return buf;
}

describe('elfInterpreter', () => {
  it('finds the dynamic loader of a dynamically linked binary, and none in a static one', () => {
    expect(elfInterpreter(elf([{ type: 1 }, { type: 3, data: '/lib64/ld-linux-x86-64.so.2\0' }]))).toBe(
      '/lib64/ld-linux-x86-64.so.2',
    );
    expect(elfInterpreter(elf([{ type: 1 }, { type: 4 }]))).toBeUndefined();
  });

  it('rejects what is not a 64-bit ELF file', () => {
    expect(() => elfInterpreter(Buffer.from('#!/bin/sh\n'.padEnd(80)))).toThrow(/not an ELF file/);
  });
});
