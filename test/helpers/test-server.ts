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
  dataDir: string;
  store: Store;
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kubelab-test-')));
  // No controller manager runs beside a test server unless the test starts one, so nothing
  // would create the `default` ServiceAccount: ServiceAccount admission is off unless asked
  // for, as kube's integration framework disables it.
  const server = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    ...options,
    serviceAccountAdmission: options.serviceAccountAdmission ?? false,
    dataDir,
  });
  return {
    url: server.url,
    kubeconfigPath: server.adminKubeconfigPath,
    token: server.adminToken,
    dataDir,
    store: server.store,
    async stop() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
