// Where kubelab keeps its files on this computer: cluster records, image and download
// caches. Every tool reads the same place, so `KUBELAB_HOME` moves all of it at once.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function kubelabHome(): string {
  return process.env.KUBELAB_HOME || join(homedir(), '.kubelab');
}
