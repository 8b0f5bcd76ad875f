// The API server's /readyz: what `kubelab up` waits for before any node joins, and what
// `kubelab status` shows.
import { existsSync } from 'node:fs';
import { ApiClient } from '../client/rest-client.js';

/** The verbose /readyz text, or undefined while the server does not answer. */
export async function readyz(client: ApiClient, timeoutMs = 3_000): Promise<string | undefined> {
  return client.requestText('GET', '/readyz', { query: { verbose: 1 }, timeoutMs }).catch(() => undefined);
}

/** /readyz of the cluster a kubeconfig file names; undefined also when there is no file yet. */
export async function readyzAt(kubeconfigPath: string): Promise<string | undefined> {
  if (!existsSync(kubeconfigPath)) return undefined;
  const client = ApiClient.fromKubeconfig(kubeconfigPath);
  try {
    return await readyz(client, 2_000);
  } finally {
    client.close();
  }
}

/** True when every check of a verbose /readyz text passed. */
export function readyzPassed(text: string | undefined): boolean {
  return text?.includes('readyz check passed') ?? false;
}
