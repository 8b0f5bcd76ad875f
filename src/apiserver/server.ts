// The API server process: HTTPS only, bearer tokens, Kubernetes REST paths. It owns the
// store handle and the certificates; every other component (scheduler, controllers, agents,
// CLI, TUI) is a client. Starting is three steps: assemble the serving parts (assemble.ts),
// bootstrap first-start state (bootstrap.ts), listen (listen.ts).
import { profiles } from '../api/profiles.js';
import type { Store } from '../store/store.js';
import type { ApiServerOptions } from './api-server-options.js';
import { assembleApiServer } from './assemble.js';
import {
  bootstrapAdminKubeconfig,
  bootstrapComponentKubeconfigs,
  bootstrapObjects,
  bootstrapPki,
  secureDataDir,
} from './bootstrap.js';
import { listen } from './listen.js';

export interface ApiServer {
  url: string;
  port: number;
  adminKubeconfigPath: string;
  adminToken: string;
  /** Kubeconfigs of the scheduler's and the controller manager's own users. */
  componentKubeconfigs: { scheduler: string; controllerManager: string };
  caPem: string;
  store: Store;
  close(): Promise<void>;
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const pki = await bootstrapPki(o);
  const api = await assembleApiServer(o, pki);
  await bootstrapObjects(api.registry, o.profile ?? profiles.lab);
  const { server, url, port } = await listen(o, pki, api);
  const admin = await bootstrapAdminKubeconfig(o, url, pki.caPem, api.tokens);
  const componentKubeconfigs = await bootstrapComponentKubeconfigs(o, url, pki.caPem, api.tokens);
  await secureDataDir(o.dataDir);
  return {
    url,
    port,
    adminKubeconfigPath: admin.path,
    adminToken: admin.token,
    componentKubeconfigs,
    caPem: pki.caPem,
    store: api.store,
    async close() {
      // Stop accepting first, then end every connection: the other order let a client that
      // reconnected in between open a watch the close then waited on for its whole timeout.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      api.compactor.stop();
      api.tokens.close();
      await api.store.close();
    },
  };
}
