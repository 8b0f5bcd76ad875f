// In-cluster clients on a real cluster (the e2e files' shared docker-provider cluster): a pod
// finds its ServiceAccount token, the cluster CA and its namespace where every Kubernetes
// client library looks (/var/run/secrets/kubernetes.io/serviceaccount), written by the agent
// with a token it asked for under its own node credential; with exactly those files this
// computer verifies the API server and is recognised as the pod's ServiceAccount; a node may
// ask for tokens only for pods on itself; and once the pod is deleted its token no longer
// authenticates.
import { request } from 'node:https';
import { decodeJwt } from 'jose';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '../../src/api/status-error.js';
import { loadKubeconfig, parseKubeconfig } from '../../src/client/kubeconfig.js';
import { ApiClient } from '../../src/client/rest-client.js';
import {
  lockedKubelabIn,
  namespaceOnSharedCluster,
  sharedDockerClusterForFile,
} from '../helpers/e2e-fixtures.js';
import { onMachine, podReady } from '../helpers/machine-cluster.js';
import { until } from '../helpers/until.js';

const shared = sharedDockerClusterForFile();
const namespace = 'e2e-service-account';
const fileNamespace = namespaceOnSharedCluster(shared, namespace);
const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';
let admin: ApiClient;
let ok: ReturnType<typeof lockedKubelabIn>['ok'];
let workers: string[];

/** A GET with exactly this CA and bearer token, as an in-cluster client library makes it. */
function getWith(server: string, path: string, ca: string, token: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      new URL(path, server),
      { ca, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const execIn = (pod: string, script: string) => ok(['exec', '-n', namespace, pod, '--', 'sh', '-c', script]);

beforeAll(async () => {
  workers = shared.cluster.workers;
  ({ ok } = lockedKubelabIn(shared.cluster.home));
  admin = fileNamespace.admin;
});

describe('ServiceAccounts on a real cluster', () => {
  it('a pod gets its token, CA and namespace, with which a client is its ServiceAccount to the API server', async () => {
    await until('the default ServiceAccount and root CA in the new namespace', async () => {
      await admin.request('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`);
      return admin.request('GET', `/api/v1/namespaces/${namespace}/configmaps/kube-root-ca.crt`);
    });
    const created = await admin.request<Pod>('POST', `/api/v1/namespaces/${namespace}/pods`, {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'client' },
        spec: {
          // Through the scheduler, which waits for the node to take pods (a node just made by
          // the shared cluster's `up` may still carry its not-ready taint).
          nodeSelector: { 'kubernetes.io/hostname': workers[0] },
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'client', image: 'kubelab/web:1' }],
        },
      },
    });
    expect(created.spec?.serviceAccountName).toBe('default');
    const pod = await until(
      'the client pod Ready',
      async () => {
        const p = await admin.request<Pod>('GET', `/api/v1/namespaces/${namespace}/pods/client`);
        return podReady(p) ? p : undefined;
      },
      60_000,
    );

    // The three files, where client libraries read them; readable by any user, not writable.
    expect(await execIn('client', `cat ${saDir}/namespace`)).toBe(namespace);
    const clusterCA = loadKubeconfig(shared.cluster.kubeconfig).caData!;
    const ca = await execIn('client', `cat ${saDir}/ca.crt`);
    expect(ca.trim()).toBe(clusterCA.trim());
    const token = await execIn('client', `cat ${saDir}/token`);
    expect(await execIn('client', `stat -L -c '%a' ${saDir}/token ${saDir}/ca.crt ${saDir}/namespace`)).toBe(
      '644\n644\n644\n',
    );
    expect(await execIn('client', `touch ${saDir}/x 2>&1; echo " exit=$?"`)).toMatch(
      /Read-only file system\s+exit=1/,
    );
    const claims = decodeJwt(token);
    expect(claims.sub).toBe(`system:serviceaccount:${namespace}:default`);
    expect(claims['kubernetes.io']).toMatchObject({
      namespace,
      pod: { name: 'client', uid: pod.metadata?.uid },
      node: { name: workers[0] },
    });
    expect(claims.exp! - claims.iat!).toBe(3607);

    // Calling the API server as an in-cluster client library does, from this computer: the lab
    // images' only HTTP client is busybox wget, whose TLS cannot check a certificate (and
    // failed the handshake with the API server on the cluster's machines). Trusting only the
    // mounted CA, the mounted token authenticates as the ServiceAccount: no RBAC yet, so the
    // request is refused naming it, not 401.
    const server = loadKubeconfig(shared.cluster.kubeconfig).server;
    const asPod = await getWith(server, `/api/v1/namespaces/${namespace}/pods`, ca, token);
    expect(asPod.status).toBe(403);
    expect(JSON.parse(asPod.body).message).toContain(`User "system:serviceaccount:${namespace}:default"`);
  }, 180_000);

  it('a node gets tokens only for pods bound to it', async () => {
    const tokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'client' } },
    };
    const path = `/api/v1/namespaces/${namespace}/serviceaccounts/default/token`;
    const asNode = (worker: string) =>
      new ApiClient(parseKubeconfig(onMachine(worker, 'cat /etc/kubelab/kubelet.kubeconfig')));
    const own = asNode(workers[0]!);
    const other = asNode(workers[1]!);
    try {
      const granted = await own.request<{ status: { token: string } }>('POST', path, { body: tokenRequest });
      expect(decodeJwt(granted.status.token).sub).toBe(`system:serviceaccount:${namespace}:default`);
      const denied = await other.request('POST', path, { body: tokenRequest }).catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(StatusError);
      expect((denied as StatusError).code).toBe(403);
      // The Node authorizer refuses first: no pod bound to that worker uses the ServiceAccount.
      expect((denied as StatusError).message).toContain(
        `no relationship found between node '${workers[1]}' and this object`,
      );
      const unbound = await own
        .request('POST', path, { body: { ...tokenRequest, spec: {} } })
        .catch((e: unknown) => e);
      expect((unbound as StatusError).code).toBe(403);
    } finally {
      own.close();
      other.close();
    }
  });

  it("a deleted pod's token stops working", async () => {
    const token = await execIn('client', `cat ${saDir}/token`);
    const { server, caData } = loadKubeconfig(shared.cluster.kubeconfig);
    expect((await getWith(server, '/version', caData!, token)).status).toBe(200);
    await admin.request('DELETE', `/api/v1/namespaces/${namespace}/pods/client`);
    await until(
      'the client pod gone',
      () =>
        admin.request('GET', `/api/v1/namespaces/${namespace}/pods/client`).then(
          () => false,
          (e: unknown) => e instanceof StatusError && e.code === 404,
        ),
      60_000,
      200,
    );
    expect((await getWith(server, '/version', caData!, token)).status).toBe(401);
  }, 120_000);
});
