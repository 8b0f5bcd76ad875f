// What the machine-provider e2e tests and the cluster benchmark share: the real CLI run with a
// KUBELAB_HOME of their own, the Deployment of kubelab/web they fail over, reading its pods,
// and a command on a container-node.
import { execFileSync } from 'node:child_process';
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { kubelab } from './run-command.js';

/** `kubelab ARGS` with this KUBELAB_HOME; `ok` throws with the output unless it exits 0. */
export function kubelabIn(home: string) {
  const env = { KUBELAB_HOME: home };
  return {
    run: (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
      kubelab(args, { env, timeoutMs: 60_000, ...options }),
    async ok(args: string[], timeoutMs = 60_000): Promise<string> {
      const r = await kubelab(args, { env, timeoutMs });
      if (r.code !== 0)
        throw new Error(`kubelab ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
  };
}

/** Deployment `web` of kubelab/web:1 (label app=web), with extra pod and container fields if given. */
export function webDeployment(
  replicas: number,
  pod: Partial<PodSpec> = {},
  container: Partial<Container> = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          ...pod,
          containers: [
            { name: 'web', image: 'kubelab/web:1', ports: [{ containerPort: 8080 }], ...container },
          ],
        },
      },
    },
  };
}

export async function webPods(admin: ApiClient, namespace = 'default'): Promise<Pod[]> {
  const list = await admin.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods`, {
    query: { labelSelector: 'app=web' },
  });
  return list.items;
}

/** Serving: Ready and not on its way out. */
export function podReady(p: Pod): boolean {
  return (
    !p.metadata?.deletionTimestamp &&
    (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
  );
}

/** A shell command on a container-node (docker exec), its output. */
export function onMachine(machine: string, command: string): string {
  return execFileSync('docker', ['exec', machine, 'sh', '-c', command], { encoding: 'utf8' });
}
