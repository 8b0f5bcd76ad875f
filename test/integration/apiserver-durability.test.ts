// Durability through the whole stack: the server runs as a child process, 16 clients write
// concurrently over HTTPS, the server is killed with SIGKILL mid-stream, and after a restart
// on the same data folder every write the server acknowledged is there.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { startServerChild, stopChild } from '../helpers/server-process.js';

let dataDir: string;

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('durability', () => {
  it('keeps every acknowledged write across kill -9', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kubelab-durability-'));
    const port = 21000 + Math.floor(Math.random() * 20000);
    const first = await startServerChild(dataDir, port);
    const client = ApiClient.fromKubeconfig(first.kubeconfigPath);
    const rc = client.resource(resource.configMaps, 'default');
    const acknowledged = new Set<string>();
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `ack-${w}-${i}`;
        try {
          await rc.create({ metadata: { name }, data: { w: String(w), i: String(i) } } as never);
          acknowledged.add(name);
        } catch {
          return; // the server died under this request: it was never acknowledged
        }
      }
    });
    while (acknowledged.size < 1500) await new Promise((r) => setTimeout(r, 5));
    await stopChild(first.child, 'SIGKILL');
    stop = true;
    await Promise.all(writers);
    client.close();

    const second = await startServerChild(dataDir, port);
    const after = ApiClient.fromKubeconfig(second.kubeconfigPath);
    try {
      const stored = new Set(
        (await after.resource(resource.configMaps, 'default').listAll()).items.map((c) => c.metadata!.name!),
      );
      const lost = [...acknowledged].filter((n) => !stored.has(n));
      expect(acknowledged.size).toBeGreaterThanOrEqual(1500);
      expect(lost).toEqual([]);
    } finally {
      after.close();
      await stopChild(second.child);
    }
  });
});
