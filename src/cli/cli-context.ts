// What every kubectl-like command needs: which cluster (--kubeconfig, then $KUBECONFIG, then
// the current kubelab cluster), a client for it, and which namespace (-n, then the
// kubeconfig context's namespace).
import { ApiClient } from '../client/rest-client.js';
import { clusterKubeconfigPath, currentClusterName } from '../provision/cluster-records.js';
import { UsageError } from './usage-error.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export async function resolveKubeconfigPath(opts: GlobalOptions): Promise<string> {
  if (opts.kubeconfig) return opts.kubeconfig;
  const env = process.env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (env) return env;
  const current = await currentClusterName();
  if (current) return clusterKubeconfigPath(current);
  throw new UsageError('no cluster selected: create one with `kubelab up`, or pass --kubeconfig FILE');
}

export async function connect(opts: GlobalOptions): Promise<{ client: ApiClient; namespace: string }> {
  const path = await resolveKubeconfigPath(opts);
  const client = ApiClient.fromKubeconfig(path, { context: opts.context });
  return { client, namespace: opts.namespace || client.namespace };
}
