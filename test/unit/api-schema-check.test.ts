import { describe, expect, it } from 'vitest';
import { checkSchema, schemaTypeForKind } from '../../src/api/schema-check.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'example.com/x': 'y' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
            livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
            env: [{ name: 'A', value: 'b' }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
      },
    },
  },
};

describe('schemaTypeForKind', () => {
  it.each([
    ['v1', 'Pod', 'V1Pod'],
    ['v1', 'Event', 'CoreV1Event'],
    ['apps/v1', 'Deployment', 'V1Deployment'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', 'V2HorizontalPodAutoscaler'],
    ['coordination.k8s.io/v1', 'Lease', 'V1Lease'],
    ['policy/v1', 'Eviction', 'V1Eviction'],
    ['autoscaling/v1', 'Scale', 'V1Scale'],
    ['meta.k8s.io/v1', 'DeleteOptions', 'V1DeleteOptions'],
    ['v1', 'Binding', 'V1Binding'],
    ['apps/v1', 'Pod', undefined],
    ['v1', 'Widget', undefined],
  ])('%s %s -> %s', (apiVersion, kind, want) => {
    expect(schemaTypeForKind(apiVersion, kind)).toBe(want);
  });
});

describe('checkSchema', () => {
  it('accepts a well-formed Deployment from the Kubernetes docs', () => {
    expect(checkSchema(deployment, 'V1Deployment')).toEqual([]);
  });

  it.each([
    ['V1Pod', { metadata: { name: 'p', creationTimestamp: null }, spec: { containers: null } }],
    [
      'V1Pod',
      {
        status: {
          startTime: '2024-05-01T10:00:00Z',
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:00:00.123+02:00' },
          ],
        },
      },
    ],
    [
      'V1Lease',
      { spec: { holderIdentity: 'n', renewTime: '2024-05-01T10:00:00.000000Z', leaseDurationSeconds: 40 } },
    ],
    ['V1Node', { status: { capacity: { cpu: 4, memory: '8Gi', pods: '110' } } }],
    ['V1Secret', { data: { 'tls.crt': 'aGk=' }, stringData: { a: 'b' }, type: 'Opaque' }],
    [
      'V1Service',
      {
        spec: {
          ports: [
            { port: 80, targetPort: 8080 },
            { port: 443, targetPort: 'https' },
          ],
        },
      },
    ],
    [
      'V1Pod',
      {
        metadata: {
          managedFields: [
            { manager: 'kubectl', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:x': {} } } },
          ],
        },
      },
    ],
    [
      'V2HorizontalPodAutoscaler',
      {
        spec: {
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: 0.5 } },
            },
          ],
        },
      },
    ],
    [
      'V1Eviction',
      {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'p' },
        deleteOptions: { gracePeriodSeconds: 0 },
      },
    ],
  ])('accepts %s %j', (type, obj) => {
    expect(checkSchema(obj, type)).toEqual([]);
  });

  it.each([
    // [type, object, field, message]
    [
      'V1Deployment',
      { spec: { replicas: '3' } },
      'spec.replicas',
      'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ],
    [
      'V1Deployment',
      { spec: { replicas: 1.5 } },
      'spec.replicas',
      'Invalid value: "number": spec.replicas in body must be of type integer: "number"',
    ],
    [
      'V1Pod',
      { spec: { hostNetwork: 'yes' } },
      'spec.hostNetwork',
      'Invalid value: "string": spec.hostNetwork in body must be of type boolean: "string"',
    ],
    [
      'V1Pod',
      { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: true }] }] } },
      'spec.containers[0].env[0].value',
      'Invalid value: "boolean": spec.containers[0].env[0].value in body must be of type string: "boolean"',
    ],
    [
      'V1Pod',
      { spec: { containers: { name: 'a' } } },
      'spec.containers',
      'Invalid value: "object": spec.containers in body must be of type array: "object"',
    ],
    [
      'V1Pod',
      { metadata: { labels: ['a'] } },
      'metadata.labels',
      'Invalid value: "array": metadata.labels in body must be of type object: "array"',
    ],
    [
      'V1Pod',
      { metadata: { labels: { app: 1 } } },
      'metadata.labels[app]',
      'Invalid value: "integer": metadata.labels[app] in body must be of type string: "integer"',
    ],
    [
      'V1Pod',
      { spec: 'x' },
      'spec',
      'Invalid value: "string": spec in body must be of type object: "string"',
    ],
    [
      'V1Service',
      { spec: { ports: [{ port: 80, targetPort: true }] } },
      'spec.ports[0].targetPort',
      'Invalid value: "boolean": spec.ports[0].targetPort in body must be of type integer,string: "boolean"',
    ],
    [
      'V1Service',
      { spec: { ports: [{ port: 80, targetPort: 1.5 }] } },
      'spec.ports[0].targetPort',
      'Invalid value: "number": spec.ports[0].targetPort in body must be of type integer,string: "number"',
    ],
    [
      'V1Pod',
      { spec: { containers: [{ name: 'a', resources: { limits: { cpu: [] } } }] } },
      'spec.containers[0].resources.limits[cpu]',
      'Invalid value: "array": spec.containers[0].resources.limits[cpu] in body must be of type string: "array"',
    ],
    [
      'V1Pod',
      { metadata: { creationTimestamp: 'yesterday' } },
      'metadata.creationTimestamp',
      'Invalid value: "yesterday": metadata.creationTimestamp in body must be of type date-time: "yesterday"',
    ],
    [
      'V1Pod',
      { metadata: { creationTimestamp: 5 } },
      'metadata.creationTimestamp',
      'Invalid value: "integer": metadata.creationTimestamp in body must be of type string: "integer"',
    ],
  ])('%s %j: %s', (type, obj, field, message) => {
    expect(checkSchema(obj, type)).toEqual([{ type: 'FieldValueTypeInvalid', field, message }]);
  });

  it('reports unknown fields the way strict field validation does', () => {
    const errs = checkSchema(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metdata: {},
        spec: { containers: [{ name: 'a', imagePullPolicy: 'Always', imagePullPolicyy: 'x' }], foo: null },
      },
      'V1Pod',
    );
    expect(errs).toEqual([
      { type: 'FieldValueUnknown', field: 'metdata', message: 'unknown field "metdata"' },
      {
        type: 'FieldValueUnknown',
        field: 'spec.containers[0].imagePullPolicyy',
        message: 'unknown field "spec.containers[0].imagePullPolicyy"',
      },
      { type: 'FieldValueUnknown', field: 'spec.foo', message: 'unknown field "spec.foo"' },
    ]);
  });

  it('reports problems in document order', () => {
    const errs = checkSchema(
      { spec: { replicas: 'x', bogus: 1, template: { spec: { containers: [{ name: 1 }] } } }, zzz: 1 },
      'V1Deployment',
    );
    expect(errs.map((e) => e.field)).toEqual([
      'spec.replicas',
      'spec.bogus',
      'spec.template.spec.containers[0].name',
      'zzz',
    ]);
  });

  it('never resolves hostile keys through Object.prototype', () => {
    const obj = JSON.parse('{"__proto__": {"x": 1}, "constructor": 1, "spec": {"toString": "x"}}');
    expect(checkSchema(obj, 'V1Pod').map((e) => e.message)).toEqual([
      'unknown field "__proto__"',
      'unknown field "constructor"',
      'unknown field "spec.toString"',
    ]);
  });

  it('handles deeply nested hostile input without recursion', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const errs = checkSchema({ metadata: { labels: deep } }, 'V1Pod');
    expect(errs).toEqual([
      {
        type: 'FieldValueTypeInvalid',
        field: 'metadata.labels[a]',
        message: 'Invalid value: "object": metadata.labels[a] in body must be of type string: "object"',
      },
    ]);
    let list: unknown = [];
    for (let i = 0; i < 100_000; i++) list = [list];
    expect(checkSchema({ spec: { containers: list } }, 'V1Pod')[0]?.field).toBe('spec.containers[0]');
    expect(checkSchema({ metadata: { managedFields: [{ fieldsV1: deep }] } }, 'V1Pod')).toEqual([]);
  });

  it('refuses a null array item or map value, which no rule downstream expects', () => {
    const errs = checkSchema(
      {
        metadata: { labels: { a: null }, creationTimestamp: null },
        spec: { containers: [null], volumes: null, nodeSelector: { x: 'y' } },
      },
      'V1Pod',
    );
    expect(errs.map((e) => e.message)).toEqual([
      'Invalid value: "null": metadata.labels[a] in body must be of type string: "null"',
      'Invalid value: "null": spec.containers[0] in body must be of type object: "null"',
    ]);
    expect(checkSchema({ metadata: { managedFields: [{ fieldsV1: { a: null } }] } }, 'V1Pod')).toEqual([]);
  });

  describe('integer bounds (Go decodes into int32 / int64)', () => {
    const rangeError = (field: string, shown: string, type = 'int32') => {
      const max = type === 'int32' ? 2 ** 31 - 1 : 2 ** 63;
      const min = type === 'int32' ? -(2 ** 31) : -(2 ** 63);
      const limit = Number(shown) > 0 ? `less than or equal to ${max}` : `greater than or equal to ${min}`;
      return {
        type: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${shown}: must be ${limit} (the range of ${type})`,
      };
    };

    it.each([
      [2 ** 31, '2147483648'],
      [-(2 ** 31) - 1, '-2147483649'],
      [1e308, '1e+308'],
      // A 23-digit number, as a body carries it.
      [JSON.parse('12345678901234567890123') as number, '1.2345678901234568e+22'],
    ])('refuses replicas %s, outside int32', (replicas, shown) => {
      expect(checkSchema({ spec: { replicas } }, 'V1Deployment')).toEqual([
        rangeError('spec.replicas', shown),
      ]);
    });

    it('accepts both ends of int32', () => {
      expect(checkSchema({ spec: { replicas: 2 ** 31 - 1 } }, 'V1Deployment')).toEqual([]);
      expect(checkSchema({ spec: { minReadySeconds: -(2 ** 31) } }, 'V1Deployment')).toEqual([]);
    });

    it('bounds ports, which are int32 too, and int-or-string numbers', () => {
      const pod = {
        spec: { containers: [{ name: 'a', ports: [{ containerPort: 2 ** 40 }] }] },
      };
      expect(checkSchema(pod, 'V1Pod')).toEqual([
        rangeError('spec.containers[0].ports[0].containerPort', '1099511627776'),
      ]);
      expect(checkSchema({ spec: { ports: [{ port: 80, targetPort: 2 ** 31 }] } }, 'V1Service')).toEqual([
        rangeError('spec.ports[0].targetPort', '2147483648'),
      ]);
    });

    it('lets int64 fields hold more than int32, up to what a double can say', () => {
      expect(checkSchema({ spec: { activeDeadlineSeconds: 2 ** 40 } }, 'V1Pod')).toEqual([]);
      expect(checkSchema({ metadata: { generation: 2 ** 63 } }, 'V1Pod')).toEqual([]);
      expect(checkSchema({ metadata: { generation: 1e19 } }, 'V1Pod')).toEqual([
        rangeError('metadata.generation', '10000000000000000000', 'int64'),
      ]);
    });

    it('still names a non-integral number as the wrong JSON type', () => {
      expect(checkSchema({ spec: { replicas: 1.5 } }, 'V1Deployment')[0]?.message).toBe(
        'Invalid value: "number": spec.replicas in body must be of type integer: "number"',
      );
    });
  });

  it('rejects a non-object body', () => {
    expect(checkSchema([], 'V1Pod')[0]?.message).toBe(
      'Invalid value: "array": body must be of type object: "array"',
    );
  });

  it('throws for an unknown schema type (a programming error)', () => {
    expect(() => checkSchema({}, 'V1Widget')).toThrow('no schema type V1Widget');
  });
});
