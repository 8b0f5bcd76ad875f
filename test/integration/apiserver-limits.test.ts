// The limits stage on a real server: a node's mutating requests beyond the in-flight limit get
// 429 TooManyRequests with Retry-After while the admin is never throttled, and a request that
// outlives the `?timeout=` it asked for gets 504 Timeout. Requests are held open by sending
// only part of their body, so nothing here depends on timing beyond the asked timeout.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { type RawResponse, raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

let server: TestServer;
let nodeToken: string;

/** A POST whose body is only partly sent: the server holds it until finish() sends the rest. */
function heldPost(path: string, token: string, body: string) {
  const ca = loadKubeconfig(server.kubeconfigPath).caData;
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  const req = request(new URL(path, server.url), { method: 'POST', headers, ca });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) });
      });
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return {
    response,
    finish() {
      req.end(body.slice(half));
    },
  };
}

beforeAll(async () => {
  server = await startTestServer({ maxMutatingRequestsInFlight: 1 });
  const join = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/jointokens', { body: {} });
  const credential = await raw(server, 'POST', '/apis/join.kubelab.dev/v1/nodecredentials', {
    body: { nodeName: 'worker-1' },
    token: join.json.token,
  });
  nodeToken = credential.json.token;
});

afterAll(async () => {
  await server.stop();
});

describe('API server limits', () => {
  it('answers 429 with Retry-After beyond the mutating in-flight limit, but never to system:masters', async () => {
    const event = {
      metadata: { name: 'held', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'worker-1' },
      reason: 'Held',
      message: 'held open by the test',
    };
    const held = heldPost('/api/v1/namespaces/default/events', nodeToken, JSON.stringify(event));
    const refused = await until('a second node write to be refused', async () => {
      const r = await raw(server, 'POST', '/api/v1/namespaces/default/events', {
        body: '{',
        token: nodeToken,
      });
      return r.status === 429 && r;
    });
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    expect(refused.json.details.retryAfterSeconds).toBe(1);

    const adminWrite = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'while-held' } },
    });
    expect(adminWrite.status).toBe(201);

    held.finish();
    expect((await held.response).status).toBe(201);
    const after = await raw(server, 'POST', '/api/v1/namespaces/default/events', {
      body: '{',
      token: nodeToken,
    });
    expect(after.status).toBe(400);
  });

  it('answers 504 Timeout when a request outlives the timeout it asked for', async () => {
    const held = heldPost(
      '/api/v1/namespaces/default/configmaps?timeout=1s',
      server.token,
      JSON.stringify({ metadata: { name: 'too-slow' } }),
    );
    const answer = await held.response;
    expect(answer.status).toBe(504);
    expect(answer.json).toMatchObject({
      reason: 'Timeout',
      message: 'request did not complete within 1s',
    });
    held.finish();
  });
});

describe('API server limits with every seat taken', () => {
  it('still answers health checks and a node renewing its Lease', async () => {
    // No seats at all: every counted request is refused, so whatever passes is exempt.
    const full = await startTestServer({ maxRequestsInFlight: 0, maxMutatingRequestsInFlight: 0 });
    try {
      const credential = await raw(full, 'POST', '/apis/join.kubelab.dev/v1/nodecredentials', {
        body: { nodeName: 'worker-1' },
      });
      const token = credential.json.token;
      const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
      const lease = { metadata: { name: 'worker-1' }, spec: { holderIdentity: 'worker-1' } };
      expect((await raw(full, 'POST', leases, { body: lease })).status).toBe(201);

      expect((await raw(full, 'GET', '/api/v1/namespaces/default/pods', { token })).status).toBe(429);
      expect((await raw(full, 'GET', '/readyz', { token })).status).toBe(200);
      expect((await raw(full, 'GET', '/livez?verbose', { token })).status).toBe(200);
      const got = await raw(full, 'GET', `${leases}/worker-1`, { token });
      expect(got.status).toBe(200);
      const renewed = await raw(full, 'PATCH', `${leases}/worker-1`, {
        token,
        body: { spec: { renewTime: '2026-12-07T20:00:00.000000Z' } },
        contentType: 'application/merge-patch+json',
      });
      expect(renewed.status).toBe(200);
      expect((await raw(full, 'PUT', `${leases}/worker-1`, { token, body: renewed.json })).status).toBe(200);
    } finally {
      await full.stop();
    }
  });
});
