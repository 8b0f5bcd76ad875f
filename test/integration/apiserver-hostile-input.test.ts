// Hostile input against a real API server (HTTPS, SQLite in a temp folder): out-of-range
// numbers, repeated keys, bodies nested beyond reason, patches through prototypes or with
// malformed directives, updates to server-owned metadata and malformed path escapes. Each
// must get its exact 4xx Status; afterwards the server still serves and the stored object
// is exactly what it was.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RawResponse, raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const deployments = '/apis/apps/v1/namespaces/default/deployments';
const web = `${deployments}/web`;

/** A Deployment's JSON text with `replicas` spliced in verbatim, as a hostile client sends it. */
const deploymentText = (name: string, replicas: string) =>
  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}"},"spec":{"replicas":${replicas},` +
  `"selector":{"matchLabels":{"app":"${name}"}},"template":{"metadata":{"labels":{"app":"${name}"}},` +
  `"spec":{"containers":[{"name":"web","image":"kubelab/web:1"}]}}}}`;

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

let stored: RawResponse;

beforeEach(async () => {
  if ((await raw(server, 'GET', web)).status === 404) {
    const created = await raw(server, 'POST', deployments, { body: deploymentText('web', '2') });
    expect(created.status).toBe(201);
  }
  stored = await raw(server, 'GET', web);
});

/** The refusal left the server serving and the stored Deployment untouched. */
async function expectUnchanged(): Promise<void> {
  expect((await raw(server, 'GET', '/healthz')).text).toBe('ok');
  const now = await raw(server, 'GET', web);
  expect(now.status).toBe(200);
  expect(now.json).toEqual(stored.json);
}

function expectStatus(r: RawResponse, code: number, reason: string, message: string): void {
  expect({ status: r.status, kind: r.json?.kind, reason: r.json?.reason, message: r.json?.message }).toEqual({
    status: code,
    kind: 'Status',
    reason,
    message,
  });
}

const patch = (type: 'json' | 'merge' | 'strategic', body: unknown, query = '') =>
  raw(server, 'PATCH', `${web}${query}`, {
    body,
    contentType: {
      json: 'application/json-patch+json',
      merge: 'application/merge-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[type],
  });

describe('integers bounded by their Go type', () => {
  it.each([
    ['2147483648', '2147483648'],
    ['1e308', '1e+308'],
    ['12345678901234567890123', '1.2345678901234568e+22'],
  ])('refuses replicas %s on create with a 422 naming the field and the int32 range', async (text, shown) => {
    const r = await raw(server, 'POST', deployments, { body: deploymentText('huge', text) });
    const detail = `Invalid value: ${shown}: must be less than or equal to 2147483647 (the range of int32)`;
    expectStatus(r, 422, 'Invalid', `Deployment.apps "huge" is invalid: spec.replicas: ${detail}`);
    expect(r.json.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.replicas', message: detail },
    ]);
    expect((await raw(server, 'GET', `${deployments}/huge`)).status).toBe(404);
  });

  it('refuses a non-integral replicas', async () => {
    const r = await raw(server, 'POST', deployments, { body: deploymentText('half', '1.5') });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('spec.replicas in body must be of type integer: "number"');
  });

  it('refuses out-of-range replicas through every patch type and the scale subresource', async () => {
    const tooMany = 2 ** 31;
    const attempts = [
      await patch('merge', { spec: { replicas: tooMany } }),
      await patch('strategic', { spec: { replicas: tooMany } }),
      await patch('json', [{ op: 'replace', path: '/spec/replicas', value: tooMany }]),
      await raw(server, 'PUT', `${web}/scale`, {
        body: {
          kind: 'Scale',
          apiVersion: 'autoscaling/v1',
          metadata: { name: 'web' },
          spec: { replicas: tooMany },
        },
      }),
      await raw(server, 'PATCH', `${web}/scale`, {
        body: { spec: { replicas: tooMany } },
        contentType: 'application/merge-patch+json',
      }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(422);
      expect(r.json.message).toContain(
        'spec.replicas: Invalid value: 2147483648: must be less than or equal to 2147483647 (the range of int32)',
      );
    }
    await expectUnchanged();
  });

  it('refuses a container port beyond int32 and one beyond 65535 (validation)', async () => {
    const port = (containerPort: number) =>
      patch('strategic', {
        spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort }] }] } } },
      });
    expect((await port(2 ** 32)).status).toBe(422);
    const r = await port(70000);
    expect(r.status).toBe(422);
    expect(r.json.details.causes).toEqual([
      expect.objectContaining({ field: 'spec.template.spec.containers[0].ports[0].containerPort' }),
    ]);
    await expectUnchanged();
  });
});

describe('repeated keys under fieldValidation', () => {
  const dupBody = (name: string) =>
    deploymentText(name, '1').replace('"replicas":1,', '"replicas":1,"paused":true,"paused":false,');

  it('Strict (the default) refuses them with a 400 strict decoding error', async () => {
    for (const query of ['', '?fieldValidation=Strict']) {
      const r = await raw(server, 'POST', `${deployments}${query}`, { body: dupBody('dup-strict') });
      expectStatus(
        r,
        400,
        'BadRequest',
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "spec.paused"',
      );
    }
    expect((await raw(server, 'GET', `${deployments}/dup-strict`)).status).toBe(404);
  });

  it('Warn accepts the last value and answers a 299 Warning header', async () => {
    const r = await raw(server, 'POST', `${deployments}?fieldValidation=Warn`, { body: dupBody('dup-warn') });
    expect(r.status).toBe(201);
    // Quoted as Go's strconv.Quote does, which client-go unquotes.
    expect(r.headers.warning).toBe(String.raw`299 - "duplicate field \"spec.paused\""`);
    expect(r.json.spec.paused).toBe(false);
  });

  it('Ignore accepts them without a word', async () => {
    const r = await raw(server, 'POST', `${deployments}?fieldValidation=Ignore`, {
      body: dupBody('dup-ignore'),
    });
    expect(r.status).toBe(201);
    expect(r.headers.warning).toBeUndefined();
  });

  it('reports a patch body repeated keys, and a JSON patch own, the same way', async () => {
    const merge = await raw(server, 'PATCH', web, {
      body: '{"spec":{"paused":true,"paused":false}}',
      contentType: 'application/merge-patch+json',
    });
    expect(merge.status).toBe(400);
    expect(merge.json.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "spec.paused"',
    );
    const json = await raw(server, 'PATCH', web, {
      body: '[{"op":"add","path":"/spec/replicas","path":"/spec/paused","value":true,"foo":1}]',
      contentType: 'application/json-patch+json',
    });
    expect(json.status).toBe(400);
    expect(json.json.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: json patch duplicate field "[0].path", json patch unknown field "[0].foo"',
    );
    await expectUnchanged();
    const warned = await raw(server, 'PATCH', `${web}?fieldValidation=Warn`, {
      body: '{"metadata":{"labels":{"x":"1","x":"2"}}}',
      contentType: 'application/merge-patch+json',
    });
    expect(warned.status).toBe(200);
    expect(warned.headers.warning).toBe(String.raw`299 - "duplicate field \"metadata.labels.x\""`);
    expect(warned.json.metadata.labels).toEqual({ x: '2' });
  });
});

describe('bodies nested beyond reason', () => {
  const depthMessage = (what: string) =>
    `${what}: the request body is not valid JSON: exceeded max depth (more than 1000 nested objects and arrays)`;

  it('refuses a create nested 10k levels with a 400', async () => {
    const body = deploymentText('deep', '1').replace('"selector":', `"x":${nested(10_000)},"selector":`);
    expectStatus(
      await raw(server, 'POST', deployments, { body }),
      400,
      'BadRequest',
      depthMessage('create deployments'),
    );
  });

  it.each([
    ['merge', `{"metadata":{"annotations":${nested(10_000)}}}`],
    ['strategic', `{"spec":${nested(10_000)}}`],
    ['json', `[{"op":"add","path":"/metadata/x","value":${nested(10_000)}}]`],
  ] as const)('refuses a %s patch nested 10k levels with a 400', async (type, body) => {
    expectStatus(await patch(type, body), 400, 'BadRequest', depthMessage('patch deployments'));
    await expectUnchanged();
  });

  it('refuses deep delete options and a deep PUT too', async () => {
    const del = await raw(server, 'DELETE', web, { body: `{"preconditions":${nested(5000)}}` });
    expectStatus(del, 400, 'BadRequest', depthMessage('delete options'));
    const put = await raw(server, 'PUT', web, { body: `{"metadata":${nested(5000)}}` });
    expectStatus(put, 400, 'BadRequest', depthMessage('update deployments'));
    await expectUnchanged();
  });
});

describe('patches through prototypes', () => {
  it.each(['/__proto__/polluted', '/metadata/__proto__/polluted', '/constructor/prototype/polluted'])(
    'refuses a JSON patch at %s with a 400',
    async (path) => {
      const r = await patch('json', [{ op: 'add', path, value: 1 }]);
      expectStatus(
        r,
        400,
        'BadRequest',
        `the JSON patch is invalid: path "${path}" goes through __proto__ or constructor/prototype, which no Kubernetes object has`,
      );
      await expectUnchanged();
    },
  );

  it.each(['merge', 'strategic'] as const)(
    'refuses __proto__ in a %s patch as an unknown field',
    async (type) => {
      const r = await patch(type, '{"metadata":{"__proto__":{"polluted":1}}}');
      expectStatus(
        r,
        400,
        'BadRequest',
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "metadata.__proto__"',
      );
      await expectUnchanged();
    },
  );
});

describe('JSON patches fast-json-patch cannot dry-run', () => {
  it('refuses a move into its own child with a 400', async () => {
    const r = await patch('json', [{ op: 'move', from: '/metadata', path: '/metadata/x' }]);
    expectStatus(
      r,
      400,
      'BadRequest',
      `the JSON patch is invalid: a move's from location "/metadata" must not be a prefix of its path "/metadata/x" (RFC 6902)`,
    );
    await expectUnchanged();
  });
});

describe('holes in lists and maps', () => {
  // Through JSON patches: in a merge patch a null means "remove".
  it.each([
    ['metadata.labels[x]', 'string', '/metadata/labels', { x: null }],
    ['metadata.ownerReferences[0]', 'object', '/metadata/ownerReferences', [null]],
    ['spec.template.spec.containers[0]', 'object', '/spec/template/spec/containers/0', null],
  ])('refuses a null %s with a 400 (rules downstream read every item)', async (field, type, path, value) => {
    const r = await patch('json', [{ op: 'add', path, value }]);
    expect(r.status).toBe(400);
    expect(r.json.message).toContain(`${field} in body must be of type ${type}: "null"`);
    await expectUnchanged();
  });
});

describe('strategic merge patch directives', () => {
  it.each([
    [{ spec: { $retainKeys: 'replicas' } }, 'invalid patch format of retainKeys'],
    [{ spec: { $retainKeys: ['template'], replicas: 3 } }, 'invalid patch format of retainKeys'],
    [{ spec: { $patch: 'merge' } }, 'unknown patch type: merge in map: map[$patch:merge]'],
    [
      { spec: { template: { spec: { '$setElementOrder/containers': 'web' } } } },
      'invalid patch format of setElementOrder list',
    ],
    [
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'web' }],
              containers: [{ name: 'other', image: 'x' }],
            },
          },
        },
      },
      "the order in patch list:\n[map[image:x name:other]]\n doesn't match $setElementOrder list:\n[map[name:web]]",
    ],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }, 'invalid patch format of primitive list'],
  ])('refuses %j with a 400', async (body, message) => {
    expectStatus(await patch('strategic', body), 400, 'BadRequest', message);
    await expectUnchanged();
  });

  it('still applies the directives kubectl apply sends', async () => {
    const added = await patch('strategic', {
      metadata: { finalizers: ['example.com/keep'] },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }],
            containers: [{ name: 'side', image: 'kubelab/side:1' }],
          },
        },
      },
    });
    expect(added.status).toBe(200);
    expect(added.json.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'side',
      'web',
    ]);
    const removed = await patch('strategic', {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/keep'] },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [{ name: 'side', $patch: 'delete' }],
          },
        },
      },
    });
    expect(removed.status).toBe(200);
    expect(removed.json.metadata.finalizers ?? []).toEqual([]);
    expect(removed.json.spec.strategy).toEqual({ type: 'Recreate' });
    expect(removed.json.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['web']);
    // Back to what the other cases expect to find.
    const restored = await raw(server, 'PUT', web, {
      body: { ...stored.json, metadata: { ...stored.json.metadata, resourceVersion: undefined } },
    });
    expect(restored.status).toBe(200);
  });
});

describe('server-owned metadata', () => {
  const immutable = (field: string, value: string) =>
    `Deployment.apps "web" is invalid: metadata.${field}: Invalid value: "${value}": field is immutable`;

  it('refuses a uid change by PUT and by every patch type with a 422', async () => {
    const other = '00000000-0000-0000-0000-000000000000';
    const attempts = [
      await raw(server, 'PUT', web, {
        body: { ...stored.json, metadata: { ...stored.json.metadata, uid: other } },
      }),
      await patch('json', [{ op: 'replace', path: '/metadata/uid', value: other }]),
      await patch('merge', { metadata: { uid: other } }),
      await patch('strategic', { metadata: { uid: other } }),
    ];
    for (const r of attempts) expectStatus(r, 422, 'Invalid', immutable('uid', other));
    await expectUnchanged();
  });

  it('refuses setting deletionTimestamp by an update', async () => {
    const when = '2030-01-01T00:00:00Z';
    const r = await patch('merge', { metadata: { deletionTimestamp: when } });
    expectStatus(r, 422, 'Invalid', immutable('deletionTimestamp', when));
    await expectUnchanged();
  });

  it('ignores a changed creationTimestamp, generation or selfLink, as kube does', async () => {
    const r = await patch('merge', {
      metadata: { creationTimestamp: '2000-01-01T00:00:00Z', generation: 99, selfLink: '/x' },
    });
    expect(r.status).toBe(200);
    expect(r.json.metadata.creationTimestamp).toBe(stored.json.metadata.creationTimestamp);
    expect(r.json.metadata.generation).toBe(stored.json.metadata.generation);
    expect(r.json.metadata.selfLink).toBeUndefined();
  });
});

describe('bodies of the wrong shape for subresources and delete options', () => {
  it.each([
    ['PUT', `${web}/scale`, 'null', 'the body of the request must be a Scale object'],
    ['PUT', `${web}/scale`, '[]', 'the body of the request must be a Scale object'],
    ['DELETE', web, 'null', 'the body of the request must be a DeleteOptions object'],
    [
      'POST',
      '/api/v1/namespaces/default/pods/p/binding',
      'null',
      'the body of the request must be a Binding object',
    ],
    [
      'POST',
      '/api/v1/namespaces/default/pods/p/eviction',
      '"x"',
      'the body of the request must be a Eviction object',
    ],
  ])('%s %s with %s is a 400', async (method, path, body, message) => {
    expectStatus(await raw(server, method, path, { body }), 400, 'BadRequest', message);
    await expectUnchanged();
  });

  it('refuses wrongly typed fields in them as decode errors', async () => {
    const binding = await raw(server, 'POST', '/api/v1/namespaces/default/pods/p/binding', {
      body: { target: { name: 'n' }, metadata: { annotations: 'junk' } },
    });
    expectStatus(
      binding,
      400,
      'BadRequest',
      'Binding in version "v1" cannot be handled as a Binding: metadata.annotations: Invalid value: "string": metadata.annotations in body must be of type object: "string"',
    );
    const del = await raw(server, 'DELETE', web, { body: { gracePeriodSeconds: 2 ** 70 } });
    expect(del.status).toBe(422);
    expect(del.json.message).toContain(
      'gracePeriodSeconds: Invalid value: 1.1805916207174113e+21: must be less than or equal to',
    );
    await expectUnchanged();
  });
});

describe('grace periods beyond any date', () => {
  it('refuses ?gracePeriodSeconds beyond int64 with a 400', async () => {
    const r = await raw(server, 'DELETE', `${web}?gracePeriodSeconds=1e308`);
    expectStatus(r, 400, 'BadRequest', 'gracePeriodSeconds must be a non-negative integer (int64)');
    await expectUnchanged();
  });

  it('caps the deletionTimestamp of a pod whose int64 grace period outlasts the calendar', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'patient' },
      spec: {
        nodeName: 'node-1',
        terminationGracePeriodSeconds: 9_000_000_000_000_000,
        containers: [{ name: 'c', image: 'kubelab/web:1' }],
      },
    };
    expect((await raw(server, 'POST', '/api/v1/namespaces/default/pods', { body: pod })).status).toBe(201);
    const r = await raw(server, 'DELETE', '/api/v1/namespaces/default/pods/patient');
    expect(r.status).toBe(200);
    expect(r.json.metadata.deletionTimestamp).toBe('9999-12-31T23:59:59Z');
  });
});

describe('malformed path escapes', () => {
  it.each([
    [`${deployments}/%zz`, '%zz'],
    [`${deployments}/web%`, 'web%'],
    ['/api/v1/namespaces/%E0%A4%A/pods', '%E0%A4%A'],
    ['/apis/metrics.k8s.io/v1beta1/nodes/%G1', '%G1'],
  ])('answers %s with a 400 naming the segment', async (path, segment) => {
    const r = await raw(server, 'GET', path);
    expectStatus(
      r,
      400,
      'BadRequest',
      `invalid URL escape in the request path segment "${segment}": a % must start %XX, a UTF-8 byte in hex`,
    );
  });

  it('answers a PATCH or DELETE at a malformed path with a 400 and changes nothing', async () => {
    expect((await raw(server, 'DELETE', `${deployments}/w%eb`)).status).toBe(400);
    expect((await patch('merge', { spec: { replicas: 5 } }, '%')).status).toBe(400);
    await expectUnchanged();
  });
});
