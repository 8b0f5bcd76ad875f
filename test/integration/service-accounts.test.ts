// ServiceAccounts against a real API server and controller manager: every namespace gets a
// `default` ServiceAccount and the root CA ConfigMap; pod admission gives pods their
// ServiceAccount and token volume; TokenRequest signs tokens that authenticate as the
// ServiceAccount until their pod is deleted; TokenReview reports whom a token names; and real
// kubectl's `get sa`, `create sa` and `create token` work.
import { existsSync } from 'node:fs';
import { decodeJwt } from 'jose';
import type { ConfigMap, Namespace, Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { rootCAPublisher } from '../../src/controllers/root-ca-publisher.js';
import { serviceAccountController } from '../../src/controllers/serviceaccount-controller.js';
import { type ControllerHarness, isGone, startControllers, until } from '../helpers/controller-harness.js';
import { raw } from '../helpers/raw-request.js';
import { runCommand } from '../helpers/run-command.js';

const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
const saPath = '/var/run/secrets/kubernetes.io/serviceaccount';
let h: ControllerHarness;

beforeAll(async () => {
  h = await startControllers([serviceAccountController, rootCAPublisher], { serviceAccountAdmission: true });
  await h.api<Namespace>('Namespace').create({ metadata: { name: 'team' } });
  await until('the default ServiceAccount in team', () =>
    h.api<ServiceAccount>('ServiceAccount', 'team').get('default'),
  );
});
afterAll(async () => {
  await h?.stop();
});

const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
});

async function requestToken(namespace: string, sa: string, spec: object) {
  return raw(h.server, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
  });
}

describe('namespace defaults', () => {
  it('gives every namespace a default ServiceAccount and the root CA, and puts them back', async () => {
    const sas = h.api<ServiceAccount>('ServiceAccount', 'team');
    const cms = h.api<ConfigMap>('ConfigMap', 'team');
    const ca = loadKubeconfig(h.server.kubeconfigPath).caData;
    const published = await until('kube-root-ca.crt in team', () => cms.get('kube-root-ca.crt'));
    expect(published.data).toEqual({ 'ca.crt': ca });

    const first = await sas.get('default');
    await sas.delete('default');
    const again = await until('default re-created', async () => {
      const sa = await sas.get('default');
      return sa.metadata?.uid !== first.metadata?.uid && sa;
    });
    expect(again.metadata?.name).toBe('default');

    await cms.update({ ...published, data: { 'ca.crt': 'tampered', extra: 'kept' } });
    await until('the CA restored', async () => (await cms.get('kube-root-ca.crt')).data?.['ca.crt'] === ca);
    expect((await cms.get('kube-root-ca.crt')).data?.extra).toBe('kept');
  });
});

describe('pod admission', () => {
  it('runs a pod as the default ServiceAccount with the token volume in every container', async () => {
    const created = await h.api<Pod>('Pod', 'team').create(
      pod('web', {
        initContainers: [{ name: 'init', image: 'busybox' }],
        containers: [
          { name: 'app', image: 'busybox' },
          // A container's own mount at the path is kept (kube does not override it).
          {
            name: 'own',
            image: 'busybox',
            volumeMounts: [{ name: 'mine', mountPath: saPath }],
          },
        ],
        volumes: [{ name: 'mine', emptyDir: {} }],
      }),
    );
    const spec = created.spec!;
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.serviceAccount).toBe('default');
    const volume = spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    expect(volume?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume?.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    });
    const tokenMount = { name: volume?.name, readOnly: true, mountPath: saPath };
    expect(spec.initContainers?.[0]?.volumeMounts).toEqual([tokenMount]);
    expect(spec.containers[0]?.volumeMounts).toEqual([tokenMount]);
    expect(spec.containers[1]?.volumeMounts).toEqual([{ name: 'mine', mountPath: saPath }]);
  });

  it('mounts nothing when the pod or its ServiceAccount turns automounting off', async () => {
    const pods = h.api<Pod>('Pod', 'team');
    await h
      .api<ServiceAccount>('ServiceAccount', 'team')
      .create({ metadata: { name: 'quiet' }, automountServiceAccountToken: false });
    const bySa = await pods.create(pod('by-sa', { serviceAccountName: 'quiet' }));
    const byPod = await pods.create(pod('by-pod', { automountServiceAccountToken: false }));
    // The pod's own setting wins over its ServiceAccount's.
    const podWins = await pods.create(
      pod('pod-wins', { serviceAccountName: 'quiet', automountServiceAccountToken: true }),
    );
    expect(bySa.spec?.volumes ?? []).toEqual([]);
    expect(byPod.spec?.volumes ?? []).toEqual([]);
    expect(podWins.spec?.volumes?.map((v) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
  });

  it('refuses a pod naming a ServiceAccount that does not exist', async () => {
    const res = await raw(h.server, 'POST', '/api/v1/namespaces/team/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', ...pod('lost', { serviceAccountName: 'nobody' }) },
    });
    expect(res.status).toBe(403);
    expect(res.json.reason).toBe('Forbidden');
    expect(res.json.message).toBe(
      'pods "lost" is forbidden: error looking up service account team/nobody: serviceaccount "nobody" not found',
    );
  });
});

describe('ServiceAccount tokens', () => {
  it('signs a pod-bound token that authenticates as the ServiceAccount until the pod is deleted', async () => {
    const pods = h.api<Pod>('Pod', 'team');
    const bound = await pods.create(pod('holder'));
    const sa = await h.api<ServiceAccount>('ServiceAccount', 'team').get('default');
    const res = await requestToken('team', 'default', {
      expirationSeconds: 1200,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'holder' },
    });
    expect(res.status).toBe(201);
    expect(res.json.kind).toBe('TokenRequest');
    expect(res.json.spec.boundObjectRef.uid).toBe(bound.metadata?.uid);
    const token: string = res.json.status.token;
    const expires = Date.parse(res.json.status.expirationTimestamp);
    expect(Math.abs(expires - Date.now() - 1200_000)).toBeLessThan(10_000);

    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: 'system:serviceaccount:team:default',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      'kubernetes.io': {
        namespace: 'team',
        serviceaccount: { name: 'default', uid: sa.metadata?.uid },
        pod: { name: 'holder', uid: bound.metadata?.uid },
      },
    });
    expect(claims.exp! - claims.iat!).toBe(1200);
    expect(claims.nbf).toBe(claims.iat);

    // Authenticated (not 401); with no RBAC yet, a ServiceAccount may do nothing, and the
    // refusal names it.
    const asSa = await raw(h.server, 'GET', '/api/v1/namespaces/team/pods', { token });
    expect(asSa.status).toBe(403);
    expect(asSa.json.message).toContain('User "system:serviceaccount:team:default"');

    // Deleted before it was bound to a node: gone at once, and its token with it.
    await pods.delete('holder');
    await until('holder gone', () => isGone(pods, 'holder'));
    const after = await raw(h.server, 'GET', '/api/v1/namespaces/team/pods', { token });
    expect(after.status).toBe(401);
  });

  it('bounds the lifetime: under 10 minutes is invalid, over 48 hours is cut to 48 hours', async () => {
    const short = await requestToken('team', 'default', { expirationSeconds: 60 });
    expect(short.status).toBe(422);
    expect(short.json.message).toContain(
      'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    const long = await requestToken('team', 'default', { expirationSeconds: 7 * 24 * 3600 });
    expect(long.status).toBe(201);
    expect(long.json.spec.expirationSeconds).toBe(48 * 3600);
    const claims = decodeJwt(long.json.status.token);
    expect(claims.exp! - claims.iat!).toBe(48 * 3600);
  });

  it('refuses tokens for missing ServiceAccounts, foreign pods and unbindable kinds', async () => {
    expect((await requestToken('team', 'nobody', {})).status).toBe(404);
    await h.api<Pod>('Pod', 'team').create(pod('quiet-pod', { serviceAccountName: 'quiet' }));
    const foreign = await requestToken('team', 'default', {
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'quiet-pod' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.json.message).toBe(
      'cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.',
    );
    const deployment = await requestToken('team', 'default', {
      boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    });
    expect(deployment.status).toBe(400);
  });

  it('reviews tokens: the user a valid one names, the reason an invalid one fails', async () => {
    await h.api<Pod>('Pod', 'team').create(pod('reviewed'));
    const { json } = await requestToken('team', 'default', {
      audiences: ['vault'],
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'reviewed' },
    });
    const review = (token: string, audiences?: string[]) =>
      raw(h.server, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } },
      });
    const ok = await review(json.status.token, ['vault']);
    expect(ok.status).toBe(201);
    expect(ok.json.status).toMatchObject({
      authenticated: true,
      audiences: ['vault'],
      user: {
        username: 'system:serviceaccount:team:default',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['reviewed'],
          'authentication.kubernetes.io/credential-id': [expect.stringMatching(/^JTI=/)],
        },
      },
    });
    // A token for another audience is not accepted by the API server itself.
    const wrongAudience = await review(json.status.token);
    expect(wrongAudience.json.status.authenticated).toBeUndefined();
    expect(wrongAudience.json.status.error).toMatch(/aud/);
    expect((await raw(h.server, 'GET', '/api/v1/namespaces', { token: json.status.token })).status).toBe(401);

    const garbage = await review('not-a-token');
    expect(garbage.status).toBe(201);
    expect(garbage.json.status.authenticated).toBeUndefined();
  });
});

describe.runIf(kubectlPath)('kubectl', () => {
  const kubectl = (...args: string[]) =>
    runCommand(kubectlPath!, ['--kubeconfig', h.server.kubeconfigPath, '-n', 'team', ...args]);

  it('discovers ServiceAccounts and TokenReviews', async () => {
    const r = await kubectl('api-resources');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\nserviceaccounts\s+sa\s+v1\s+true\s+ServiceAccount\n/);
    expect(r.stdout).toMatch(/\ntokenreviews\s+authentication\.k8s\.io\/v1\s+false\s+TokenReview\n/);
  });

  it('creates and lists ServiceAccounts and creates tokens for them', async () => {
    const created = await kubectl('create', 'sa', 'builder');
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('serviceaccount/builder created');
    const listed = await kubectl('get', 'sa');
    expect(listed.stdout).toMatch(/^NAME\s+SECRETS\s+AGE\n/);
    expect(listed.stdout).toMatch(/\nbuilder\s+0\s+\S+\n/);
    expect(listed.stdout).toMatch(/\ndefault\s+0\s+\S+\n/);

    await h.api<Pod>('Pod', 'team').create(pod('build-1', { serviceAccountName: 'builder' }));
    const token = await kubectl(
      'create',
      'token',
      'builder',
      '--duration=10m',
      '--bound-object-kind',
      'Pod',
      '--bound-object-name',
      'build-1',
    );
    expect(token.stderr).toBe('');
    const claims = decodeJwt(token.stdout.trim());
    expect(claims.sub).toBe('system:serviceaccount:team:builder');
    expect(claims.exp! - claims.iat!).toBe(600);
    expect((claims['kubernetes.io'] as { pod: { name: string } }).pod.name).toBe('build-1');
  });
});
