// Starts a real API server in-process on an ephemeral HTTPS port with its own data folder,
// for integration tests. Everything is real: TLS, tokens, the SQLite store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServerOptions } from '../../src/apiserver/api-server-options.js';
import { startApiServer } from '../../src/apiserver/server.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import type { Store } from '../../src/store/store.js';

export interface TestServer {
  url: string;
  kubeconfigPath: string;
  token: string;
  /** Kubeconfigs of the scheduler's and controller manager's own (RBAC-bound) users. */
  componentKubeconfigs: { scheduler: string; controllerManager: string };
  dataDir: string;
  store: Store;
  /** PEM of the cluster CA. */
  caPem: string;
  /**
   * A client with node `nodeName`'s own credential (system:node:<name>, as joining gives), for
   * agents: the serving certificate of a kubelet is only issued to its node.
   */
  nodeClient(nodeName: string): Promise<ApiClient>;
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
    componentKubeconfigs: server.componentKubeconfigs,
    dataDir,
    store: server.store,
    caPem: server.caPem,
    async nodeClient(nodeName) {
      const admin = loadKubeconfig(server.adminKubeconfigPath);
      const asAdmin = new ApiClient(admin);
      try {
        const { token } = await asAdmin.request<{ token: string }>(
          'POST',
          '/apis/join.kubelab.dev/v1/nodecredentials',
          { body: { nodeName } },
        );
        return new ApiClient({ ...admin, token });
      } finally {
        asAdmin.close();
      }
    },
    async stop() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
