// Writing a file so that a crash at any instant leaves either the old content or the new, never
// a file cut short: the bytes go to a temporary file beside it, are flushed to disk, and the
// temporary file is renamed over the target (rename is atomic within a filesystem). Whoever
// reads the file (a restarting server reading its certificates, a client waiting for a
// kubeconfig) never sees it half-written.
import { open, rename, rm } from 'node:fs/promises';

export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const file = await open(partial, 'w', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (e) {
    await file.close();
    await rm(partial, { force: true });
    throw e;
  }
  await file.close();
  await rename(partial, path);
}
