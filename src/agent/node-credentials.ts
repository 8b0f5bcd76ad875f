// The agent's side of joining (apiserver/join.ts): with a bootstrap kubeconfig (the server, its
// CA and a join token, written on the machine by bootstrap), exchange the join token for this
// node's own credential and keep it in the agent's kubeconfig. Later starts find that file and
// skip the exchange, so the join token may expire without stranding the node; an agent whose
// kubeconfig was deleted simply joins again (its old credential is replaced).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { buildKubeconfig, loadKubeconfig } from '../client/kubeconfig.js';
import { ApiClient } from '../client/rest-client.js';

export async function ensureNodeKubeconfig(
  nodeName: string,
  kubeconfigPath: string,
  bootstrapKubeconfigPath: string,
): Promise<{ joined: boolean }> {
  if (existsSync(kubeconfigPath)) return { joined: false };
  const bootstrap = loadKubeconfig(bootstrapKubeconfigPath);
  const caData = bootstrap.caData;
  if (!caData)
    throw new Error(
      `${bootstrapKubeconfigPath} names no certificate-authority-data: the node cannot trust the server`,
    );
  const client = new ApiClient(bootstrap);
  try {
    const { token, user } = await client.request<{ token: string; user: string }>(
      'POST',
      '/apis/join.kubelab.dev/v1/nodecredentials',
      { body: { nodeName } },
    );
    await writeFile(
      kubeconfigPath,
      buildKubeconfig({
        server: bootstrap.server,
        caData,
        token,
        clusterName: bootstrap.clusterName,
        userName: user,
      }),
      { mode: 0o600 },
    );
  } catch (e) {
    throw new Error(
      `node ${nodeName} could not join with ${bootstrapKubeconfigPath}: ${(e as Error).message} (an expired join token? run \`kubelab up\` again to issue a new one)`,
    );
  } finally {
    client.close();
  }
  return { joined: true };
}
