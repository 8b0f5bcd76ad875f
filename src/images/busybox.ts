// The static busybox every workload image is made of: one 2 MB binary that is the whole
// userland (sh, nc, wget, ...). It must be statically linked, because the images contain
// no C library: a dynamically linked busybox would fail in every container with a
// puzzling "no such file or directory".
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

export const defaultBusyboxPath = '/bin/busybox';

export interface StaticBusybox {
  path: string;
  binary: Buffer;
  /** Applet names the binary provides (`busybox --list`), each linked as /bin/<name>. */
  applets: string[];
}

const installHint = "install Debian's busybox-static (`bash scripts/install-docker.sh` does)";

const PT_INTERP = 3;

/**
 * The program interpreter (dynamic loader) an ELF file asks for, or undefined for a static
 * binary. Reads the 64-bit little-endian layout only, which is what these machines run.
 */
export function elfInterpreter(binary: Buffer): string | undefined {
  if (binary.length < 64 || binary.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (binary[4] !== 2 || binary[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const phoff = Number(binary.readBigUInt64LE(0x20));
  const phentsize = binary.readUInt16LE(0x36);
  const phnum = binary.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const header = phoff + i * phentsize;
    if (binary.readUInt32LE(header) !== PT_INTERP) continue;
    const offset = Number(binary.readBigUInt64LE(header + 0x08));
    const size = Number(binary.readBigUInt64LE(header + 0x20));
    return binary
      .subarray(offset, offset + size)
      .toString('latin1')
      .replace(/\0+$/, '');
  }
  return undefined;
}

export async function loadStaticBusybox(path = defaultBusyboxPath): Promise<StaticBusybox> {
  let binary: Buffer;
  try {
    binary = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read ${path} (${(e as NodeJS.ErrnoException).code}): ${installHint}`);
  }
  let interpreter: string | undefined;
  try {
    interpreter = elfInterpreter(binary);
  } catch (e) {
    throw new Error(`${path} is not a usable busybox (${(e as Error).message}): ${installHint}`);
  }
  if (interpreter) throw new Error(`${path} is dynamically linked (needs ${interpreter}): ${installHint}`);
  const { stdout } = await promisify(execFile)(path, ['--list']);
  const applets = stdout
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => a && a !== 'busybox');
  return { path, binary, applets };
}
