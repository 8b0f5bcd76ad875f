// The two programs bootstrap uploads: `kubelab-server.mjs` (control plane) and
// `kubelab-agent.mjs` (every node). They are esbuild bundles made beside the CLI's own bundle
// (`npm ci` builds them); from a source checkout (tests run the TypeScript) they are in dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const remoteBinDir = '/opt/kubelab/bin';

export interface KubelabBundles {
  server: string;
  agent: string;
}

export function kubelabBundles(): KubelabBundles {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/kubelab.mjs (the CLI bundle) or src/provision/bootstrap/ in a checkout.
  for (const dir of [here, join(here, '..', '..', '..', 'dist')]) {
    const server = join(dir, 'kubelab-server.mjs');
    const agent = join(dir, 'kubelab-agent.mjs');
    if (existsSync(server) && existsSync(agent)) return { server, agent };
  }
  throw new Error(
    'kubelab-server.mjs and kubelab-agent.mjs are not built: run `npm run build` in the kubelab checkout',
  );
}
