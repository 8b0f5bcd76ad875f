import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { resourceByKind } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import { objectKey, splitKey } from '../../src/client/object-key.js';
import { ApiClient, errorFromResponse, resourcePath } from '../../src/client/rest-client.js';

const pods = resourceByKind('v1', 'Pod')!;
const deployments = resourceByKind('apps/v1', 'Deployment')!;
const nodes = resourceByKind('v1', 'Node')!;

describe('resourcePath', () => {
  it.each([
    [pods, undefined, undefined, undefined, '/api/v1/pods'],
    [pods, 'default', undefined, undefined, '/api/v1/namespaces/default/pods'],
    [pods, 'default', 'web-1', 'binding', '/api/v1/namespaces/default/pods/web-1/binding'],
    [deployments, 'prod', 'web', 'scale', '/apis/apps/v1/namespaces/prod/deployments/web/scale'],
    [nodes, 'ignored', 'n1', 'status', '/api/v1/nodes/n1/status'],
    [nodes, undefined, 'a b', undefined, '/api/v1/nodes/a%20b'],
  ])('%#: %s', (info, ns, name, sub, want) => {
    expect(resourcePath(info, ns, name, sub)).toBe(want);
  });
});

describe('errorFromResponse', () => {
  it('rebuilds the server Status', () => {
    const e = errorFromResponse(
      404,
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 404,
        reason: 'NotFound',
        message: 'pods "x" not found',
      }),
    );
    expect(e).toBeInstanceOf(StatusError);
    expect([e.code, e.reason, e.message]).toEqual([404, 'NotFound', 'pods "x" not found']);
  });

  it('maps a non-Status body by HTTP code and keeps its text', () => {
    const e = errorFromResponse(503, 'upstream gone\n');
    expect([e.code, e.reason, e.message]).toEqual([503, 'ServiceUnavailable', 'upstream gone']);
  });
});

describe('object keys', () => {
  it.each([
    [{ metadata: { namespace: 'ns', name: 'a' } }, 'ns/a'],
    [{ metadata: { name: 'node-1' } }, 'node-1'],
  ])('objectKey(%j) = %s and splits back', (obj, key) => {
    expect(objectKey(obj)).toBe(key);
    expect(splitKey(key)).toEqual(obj.metadata);
  });

  it('rejects objects without a name and malformed keys', () => {
    expect(() => objectKey({ metadata: {} })).toThrow(/no metadata.name/);
    expect(() => splitKey('a/b/c')).toThrow(/unexpected key format/);
  });
});

describe('a busy server', () => {
  /** An HTTP server answering 429 with Retry-After `busyTimes` times, then 200; counts what it got. */
  async function busyServer(busyTimes: number) {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        if (bodies.length <= busyTimes) {
          res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '0' });
          res.end(
            JSON.stringify({
              kind: 'Status',
              status: 'Failure',
              code: 429,
              reason: 'TooManyRequests',
              message: 'busy',
            }),
          );
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new ApiClient({
      contextName: 'test',
      clusterName: 'test',
      userName: 'test',
      server: `http://127.0.0.1:${port}`,
      insecureSkipTLSVerify: false,
      namespace: 'default',
    });
    return { bodies, client, close: () => new Promise((r) => server.close(r)) };
  }

  it('sends the request again when told to come back (429 with Retry-After), as client-go does', async () => {
    const s = await busyServer(2);
    try {
      await expect(s.client.request('POST', '/api/v1/namespaces', { body: { a: 1 } })).resolves.toEqual({
        ok: true,
      });
      expect(s.bodies).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    } finally {
      s.client.close();
      await s.close();
    }
  });

  it('gives up after 10 tries with the server’s TooManyRequests', async () => {
    const s = await busyServer(100);
    try {
      const e = await s.client.request('GET', '/api/v1/pods').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(StatusError);
      expect((e as StatusError).reason).toBe('TooManyRequests');
      expect(s.bodies).toHaveLength(10);
    } finally {
      s.client.close();
      await s.close();
    }
  });
});
