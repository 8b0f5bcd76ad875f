import { describe, expect, it } from 'vitest';
import { resourceByKind } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import { objectKey, splitKey } from '../../src/client/object-key.js';
import { errorFromResponse, resourcePath } from '../../src/client/rest-client.js';

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
