// The node image's scratch folder ($KUBELAB_HOME/images/node/.build-<pid>/), and removing
// it safely. debootstrap mounts /proc and /sys inside the root filesystem it builds (and
// bind-mounts the host's /dev when it runs inside a container); a build killed halfway can
// leave those mounted, and a plain recursive delete would then walk into the host's own.
import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { runBuildCommand } from './build-command.js';

const prefix = '.build-';

export const buildFolderPath = (cacheRoot: string, pid = process.pid): string =>
  join(cacheRoot, `${prefix}${pid}`);

/** Mount points at or below `dir`, deepest first (/proc/self/mountinfo's 5th field, octal-escaped). */
async function mountsUnder(dir: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    )
    .filter((point) => point === dir || point.startsWith(dir + sep))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts whatever a build left mounted below `dir`, then deletes it without leaving its filesystem. */
export async function removeBuildFolder(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) await runBuildCommand('umount', ['--lazy', point]);
  // --one-file-system: even if an unmount failed, nothing outside this filesystem is touched.
  await runBuildCommand('rm', ['-rf', '--one-file-system', dir]);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch folders of builds whose process is gone (killed, or the machine rebooted). */
export async function removeStaleBuildFolders(cacheRoot: string): Promise<void> {
  const entries = await readdir(cacheRoot).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && !processIsAlive(pid))
      await removeBuildFolder(join(cacheRoot, name));
  }
}
