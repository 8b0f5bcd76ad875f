// The API server over real HTTPS: authentication, Kubernetes REST semantics, Status errors,
// subresources, patches, finalizers and graceful deletion. Each assertion checks what a
// client (kubectl, client-go) depends on: codes, reasons, messages and server-set metadata.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const deployment = (name: string, replicas: unknown = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'kubelab/web:1', ports: [{ containerPort: 8080 }] }] },
    },
  },
});

describe('authentication and health', () => {
  it('rejects requests without or with a wrong bearer token with a 401 Status', async () => {
    for (const token of [null, 'not-a-token']) {
      const r = await raw(server, 'GET', '/api/v1/namespaces', { token });
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });

  it('serves /healthz, /readyz?verbose and /version', async () => {
    expect((await raw(server, 'GET', '/healthz')).text).toBe('ok');
    const ready = await raw(server, 'GET', '/readyz?verbose');
    expect(ready.text).toContain('[+]store ok');
    expect(ready.text).toContain('readyz check passed');
    const version = await raw(server, 'GET', '/version');
    expect(version.json).toMatchObject({ major: '1', minor: '32' });
  });

  it('creates the bootstrap namespaces', async () => {
    const r = await raw(server, 'GET', '/api/v1/namespaces');
    const names = r.json.items.map((n: any) => n.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']),
    );
    expect(r.json.items[0].status.phase).toBe('Active');
  });
});

describe('discovery', () => {
  it('lists groups and resources with short names and subresources', async () => {
    const api = await raw(server, 'GET', '/api');
    expect(api.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await raw(server, 'GET', '/apis');
    const groupNames = groups.json.groups.map((g: any) => g.name);
    expect(groupNames).toEqual(
      expect.arrayContaining(['apps', 'batch', 'coordination.k8s.io', 'networking.k8s.io', 'autoscaling']),
    );
    const apps = await raw(server, 'GET', '/apis/apps/v1');
    const deploy = apps.json.resources.find((r: any) => r.name === 'deployments');
    expect(deploy).toMatchObject({ kind: 'Deployment', namespaced: true, shortNames: ['deploy'] });
    expect(apps.json.resources.map((r: any) => r.name)).toEqual(
      expect.arrayContaining(['deployments/status', 'deployments/scale']),
    );
    expect((await raw(server, 'GET', '/apis/nope/v1')).status).toBe(404);
  });
});

describe('create, get, update, delete', () => {
  it('sets server-managed metadata and returns 201', async () => {
    const r = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm1', uid: 'client-chosen' },
        data: { a: '1' },
      },
    });
    expect(r.status).toBe(201);
    expect(r.json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(r.json.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(r.json.metadata.namespace).toBe('default');
  });

  it('answers AlreadyExists, NotFound and missing namespaces with kube messages', async () => {
    const dup = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'cm1' } },
    });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "cm1" already exists' });
    const missing = await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ reason: 'NotFound', message: 'configmaps "nope" not found' });
    const noNs = await raw(server, 'POST', '/api/v1/namespaces/ghost/configmaps', {
      body: { metadata: { name: 'x' } },
    });
    expect(noNs.status).toBe(404);
    expect(noNs.json.message).toBe('namespaces "ghost" not found');
    const deployMissing = await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(deployMissing.json.message).toBe('deployments.apps "nope" not found');
  });

  it('refuses a stale resourceVersion with 409 Conflict and keeps the stored object', async () => {
    const cm = (await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/cm1')).json;
    const ok = await raw(server, 'PUT', '/api/v1/namespaces/default/configmaps/cm1', {
      body: { ...cm, data: { a: '2' } },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.metadata.uid).toBe(cm.metadata.uid);
    const stale = await raw(server, 'PUT', '/api/v1/namespaces/default/configmaps/cm1', {
      body: { ...cm, data: { a: '3' } },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.reason).toBe('Conflict');
    expect(stale.json.message).toContain('the object has been modified');
    const now = (await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/cm1')).json;
    expect(now.data).toEqual({ a: '2' });
  });

  it('generates names from generateName', async () => {
    const r = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(r.status).toBe(201);
    expect(r.json.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('deletes, after which the object is gone', async () => {
    const d = await raw(server, 'DELETE', '/api/v1/namespaces/default/configmaps/cm1');
    expect(d.status).toBe(200);
    expect((await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/cm1')).status).toBe(404);
  });
});

describe('bad input', () => {
  it('rejects invalid objects with 422 Invalid and a cause per field', async () => {
    const bad = deployment('Bad_Name', -1);
    (bad.spec.selector.matchLabels as Record<string, string>).app = 'other';
    const r = await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: bad });
    expect(r.status).toBe(422);
    expect(r.json.reason).toBe('Invalid');
    const fields = r.json.details.causes.map((c: any) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.replicas']));
    expect(r.json.message).toMatch(/^Deployment\.apps "Bad_Name" is invalid: /);
  });

  it('rejects unknown fields naming their path, and wrong types', async () => {
    const withUnknown = { ...deployment('u1'), spec: { ...deployment('u1').spec, replicaz: 3 } };
    const r = await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: withUnknown,
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('unknown field "spec.replicaz"');
    const wrongType = await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: deployment('u2', 'three'),
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.message).toContain('spec.replicas');
    expect((await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/u1')).status).toBe(404);
  });

  it('rejects broken JSON, a kind mismatch and an oversize body, and keeps serving', async () => {
    const broken = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: '{"metadata": {',
    });
    expect(broken.status).toBe(400);
    expect(broken.json.message).toContain('not valid JSON');
    const mismatch = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { kind: 'Secret', metadata: { name: 'x' } },
    });
    expect(mismatch.status).toBe(400);
    const huge = { metadata: { name: 'huge' }, data: { blob: 'x'.repeat(4 * 1024 * 1024) } };
    const big = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: huge });
    expect(big.status).toBe(413);
    expect(big.json.reason).toBe('RequestEntityTooLarge');
    expect((await raw(server, 'GET', '/healthz')).text).toBe('ok');
  });

  it('answers unknown resources and bad selectors with 404 and 400', async () => {
    expect((await raw(server, 'GET', '/api/v1/namespaces/default/widgets')).status).toBe(404);
    const sel = await raw(server, 'GET', '/api/v1/namespaces/default/pods?fieldSelector=spec.colour%3Dred');
    expect(sel.status).toBe(400);
    expect(sel.json.message).toContain('field label not supported');
  });
});

describe('generation, status and scale', () => {
  it('bumps generation on spec changes only; /status writes only status', async () => {
    const created = (
      await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('gen') })
    ).json;
    expect(created.metadata.generation).toBe(1);
    expect(created.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    const labelled = await raw(server, 'PUT', '/apis/apps/v1/namespaces/default/deployments/gen', {
      body: { ...created, metadata: { ...created.metadata, labels: { app: 'gen', extra: 'yes' } } },
    });
    expect(labelled.json.metadata.generation).toBe(1);
    const scaled = await raw(server, 'PUT', '/apis/apps/v1/namespaces/default/deployments/gen', {
      body: { ...labelled.json, spec: { ...labelled.json.spec, replicas: 5 }, status: { replicas: 99 } },
    });
    expect(scaled.json.metadata.generation).toBe(2);
    expect(scaled.json.status?.replicas).toBeUndefined();
    const status = await raw(server, 'PUT', '/apis/apps/v1/namespaces/default/deployments/gen/status', {
      body: {
        ...scaled.json,
        spec: { ...scaled.json.spec, replicas: 1 },
        status: { replicas: 5, observedGeneration: 2 },
      },
    });
    expect(status.status).toBe(200);
    expect(status.json.status.replicas).toBe(5);
    expect(status.json.spec.replicas).toBe(5);
    expect(status.json.metadata.generation).toBe(2);
  });

  it('reads and writes /scale', async () => {
    const scale = await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/gen/scale');
    expect(scale.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 5 },
      status: { selector: 'app=gen' },
    });
    const patched = await raw(server, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/gen/scale', {
      body: { spec: { replicas: 3 } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.json.spec.replicas).toBe(3);
    const d = (await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/gen')).json;
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.generation).toBe(3);
  });
});

describe('patch', () => {
  it('applies JSON merge, JSON and strategic merge patches', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/gen';
    const merge = await raw(server, 'PATCH', path, {
      body: { metadata: { labels: { extra: null, tier: 'web' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(merge.json.metadata.labels).toEqual({ app: 'gen', tier: 'web' });
    const json = await raw(server, 'PATCH', path, {
      body: [{ op: 'replace', path: '/spec/replicas', value: 4 }],
      contentType: 'application/json-patch+json',
    });
    expect(json.json.spec.replicas).toBe(4);
    const smp = await raw(server, 'PATCH', path, {
      body: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'sidecar', image: 'busybox' },
                { name: 'web', image: 'kubelab/web:2' },
              ],
            },
          },
        },
      },
      contentType: 'application/strategic-merge-patch+json',
    });
    const containers = smp.json.spec.template.spec.containers;
    expect(containers.map((c: any) => [c.name, c.image])).toEqual([
      ['web', 'kubelab/web:2'],
      ['sidecar', 'busybox'],
    ]);
    expect(containers[0].ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    const badOp = await raw(server, 'PATCH', path, {
      body: [{ op: 'explode', path: '/x' }],
      contentType: 'application/json-patch+json',
    });
    expect(badOp.status).toBe(400);
    const badType = await raw(server, 'PATCH', path, { body: {}, contentType: 'text/plain' });
    expect(badType.status).toBe(415);
  });
});

describe('list', () => {
  it('filters by label and field selectors and pages consistently', async () => {
    for (let i = 0; i < 7; i++) {
      await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: `page-${i}`, labels: { set: 'paging', parity: i % 2 ? 'odd' : 'even' } } },
      });
    }
    const odd = await raw(
      server,
      'GET',
      '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpaging,parity%3Dodd',
    );
    expect(odd.json.items.map((c: any) => c.metadata.name)).toEqual(['page-1', 'page-3', 'page-5']);
    const byName = await raw(server, 'GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dpage-2');
    expect(byName.json.items).toHaveLength(1);

    const first = await raw(
      server,
      'GET',
      '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpaging&limit=3',
    );
    expect(first.json.items).toHaveLength(3);
    expect(first.json.metadata.continue).toBeTruthy();
    // A write between pages must not appear in later pages of the same list.
    await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'page-9', labels: { set: 'paging' } } },
    });
    const names = first.json.items.map((c: any) => c.metadata.name);
    let token = first.json.metadata.continue;
    while (token) {
      const page = await raw(
        server,
        'GET',
        `/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpaging&limit=3&continue=${token}`,
      );
      expect(page.json.metadata.resourceVersion).toBe(first.json.metadata.resourceVersion);
      names.push(...page.json.items.map((c: any) => c.metadata.name));
      token = page.json.metadata.continue;
    }
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  });

  it('returns a Table for kubectl-style server-side printing', async () => {
    const r = await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(r.headers['content-type']).toContain('as=Table');
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: any) => c.name)).toEqual(
      expect.arrayContaining(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']),
    );
    expect(r.json.rows[0].cells[0]).toBe('gen');
  });
});

describe('finalizers and graceful deletion', () => {
  it('keeps an object with finalizers, marked for deletion, until they are removed', async () => {
    await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'fin', finalizers: ['example.com/hold'] } },
    });
    const d = await raw(server, 'DELETE', '/api/v1/namespaces/default/configmaps/fin');
    expect(d.status).toBe(200);
    const held = (await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/fin')).json;
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    const released = await raw(server, 'PATCH', '/api/v1/namespaces/default/configmaps/fin', {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    expect(released.status).toBe(200);
    expect((await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/fin')).status).toBe(404);
  });

  it('binds a pod once, then deletes it gracefully until the node confirms', async () => {
    const pod = { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'kubelab/web:1' }] } };
    const created = await raw(server, 'POST', '/api/v1/namespaces/default/pods', { body: pod });
    expect(created.json.spec.terminationGracePeriodSeconds).toBe(30);
    const bind = (node: string) =>
      raw(server, 'POST', '/api/v1/namespaces/default/pods/p1/binding', {
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: 'p1' },
          target: { kind: 'Node', name: node },
        },
      });
    expect((await bind('node-a')).status).toBe(201);
    const again = await bind('node-b');
    expect(again.status).toBe(409);
    const bound = (await raw(server, 'GET', '/api/v1/namespaces/default/pods/p1')).json;
    expect(bound.spec.nodeName).toBe('node-a');
    expect(bound.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
    );

    await raw(server, 'DELETE', '/api/v1/namespaces/default/pods/p1');
    const terminating = (await raw(server, 'GET', '/api/v1/namespaces/default/pods/p1')).json;
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(terminating.metadata.deletionTimestamp).toBeTruthy();
    await raw(server, 'DELETE', '/api/v1/namespaces/default/pods/p1', { body: { gracePeriodSeconds: 0 } });
    expect((await raw(server, 'GET', '/api/v1/namespaces/default/pods/p1')).status).toBe(404);
  });

  it('marks a namespace Terminating and refuses new content in it', async () => {
    await raw(server, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
    await raw(server, 'DELETE', '/api/v1/namespaces/doomed');
    const ns = (await raw(server, 'GET', '/api/v1/namespaces/doomed')).json;
    expect(ns.status.phase).toBe('Terminating');
    const refused = await raw(server, 'POST', '/api/v1/namespaces/doomed/configmaps', {
      body: { metadata: { name: 'x' } },
    });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('because it is being terminated');
  });

  it('deletes a collection by label selector', async () => {
    const r = await raw(
      server,
      'DELETE',
      '/api/v1/namespaces/default/configmaps?labelSelector=parity%3Deven',
    );
    expect(r.status).toBe(200);
    const left = await raw(server, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpaging');
    expect(left.json.items.map((c: any) => c.metadata.name)).toEqual([
      'page-1',
      'page-3',
      'page-5',
      'page-9',
    ]);
  });
});
