// Starts a real API server in-process on an ephemeral HTTPS port with its own data folder,
// for integration tests. Everything is real: TLS, tokens, the SQLite store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServerOptions } from '../../src/apiserver/api-server-options.js';
import { startApiServer } from '../../src/apiserver/server.js';
import type { Store } from '../../src/store/store.js';

export interface TestServer {
  url: string;
  kubeconfigPath: string;
  token: string;
  /** Kubeconfigs of the scheduler's and controller manager's own (RBAC-bound) users. */
  componentKubeconfigs: { scheduler: string; controllerManager: string };
  dataDir: string;
  store: Store;
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kubelab-test-')));
  const server = await startApiServer({ host: '127.0.0.1', port: 0, ...options, dataDir });
  return {
    url: server.url,
    kubeconfigPath: server.adminKubeconfigPath,
    token: server.adminToken,
    componentKubeconfigs: server.componentKubeconfigs,
    dataDir,
    store: server.store,
    async stop() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
