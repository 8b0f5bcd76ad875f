// Durability through the whole stack: the server runs as a child process, clients write
// concurrently over HTTPS, the server is killed with SIGKILL mid-stream, and after a restart
// on the same data folder every write the server acknowledged is there: objects, and the
// credentials the join exchange issued (they once lived in a file rewritten in place, which a
// kill -9 could leave empty or with trailing bytes, and the server would not start again).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
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

  it('keeps every credential it issued under 100 concurrent joins across kill -9, and starts again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-durability-join-'));
    const port = 21000 + Math.floor(Math.random() * 20000);
    try {
      let server = await startServerChild(dir, port);
      const issued = new Map<string, string>();
      for (let round = 0; round < 3; round++) {
        const admin = ApiClient.fromKubeconfig(server.kubeconfigPath);
        const { token: joinToken } = await admin.request<{ token: string }>(
          'POST',
          '/apis/join.kubelab.dev/v1/jointokens',
          { body: {} },
        );
        admin.close();
        const joiner = new ApiClient({ ...loadKubeconfig(server.kubeconfigPath), token: joinToken });
        // Each node joins until the server dies under it; the kill lands while joins are in flight.
        const joins = Array.from({ length: 100 }, async (_, i) => {
          const nodeName = `r${round}-node-${i}`;
          try {
            const { token } = await joiner.request<{ token: string }>(
              'POST',
              '/apis/join.kubelab.dev/v1/nodecredentials',
              { body: { nodeName } },
            );
            issued.set(nodeName, token);
          } catch {
            // never acknowledged
          }
        });
        while ([...issued.keys()].filter((n) => n.startsWith(`r${round}-`)).length < 30)
          await new Promise((r) => setTimeout(r, 2));
        await stopChild(server.child, 'SIGKILL');
        await Promise.all(joins);
        joiner.close();
        server = await startServerChild(dir, port);
      }
      const after = loadKubeconfig(server.kubeconfigPath);
      const refused: string[] = [];
      for (const [nodeName, token] of issued) {
        const asNode = new ApiClient({ ...after, token });
        try {
          await asNode.request('GET', `/api/v1/nodes?fieldSelector=metadata.name=${nodeName}`);
        } catch {
          refused.push(nodeName);
        } finally {
          asNode.close();
        }
      }
      expect(issued.size).toBeGreaterThanOrEqual(90);
      expect(refused).toEqual([]);
      await stopChild(server.child);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
