// What an agent needs to join a cluster (apiserver/join.ts): a join token an admin issued, in a
// bootstrap kubeconfig beside the server's address and CA. Machines get the file over SSH
// (bootstrap/), SIMULATED nodes in the cluster folder (providers/sim.ts); either way the agent
// exchanges it for its node's own credential and never holds the admin's.
import { buildKubeconfig } from '../client/kubeconfig.js';
import type { ApiClient } from '../client/rest-client.js';

/** A join token valid for an hour: long enough for every node of one `up` to join. */
export async function issueJoinToken(admin: ApiClient): Promise<string> {
  const { token } = await admin.request<{ token: string }>('POST', '/apis/join.kubelab.dev/v1/jointokens', {
    body: { ttlSeconds: 3600 },
  });
  return token;
}

export function bootstrapKubeconfig(o: {
  server: string;
  caData: string;
  token: string;
  clusterName: string;
  nodeName: string;
}): string {
  return buildKubeconfig({
    server: o.server,
    caData: o.caData,
    token: o.token,
    clusterName: o.clusterName,
    userName: `bootstrap-${o.nodeName}`,
  });
}
