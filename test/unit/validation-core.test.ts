import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/api/field-errors.js';
import { rulesFor } from '../../src/api/kind-rules.js';

const brief = (errs: FieldError[]) => errs.map((e) => `${e.type} ${e.field}`);

function make(apiVersion: string, kind: string, body: any, namespaced = true): any {
  const o: any = {
    apiVersion,
    kind,
    metadata: { name: 'x', ...(namespaced ? { namespace: 'default' } : {}) },
    ...body,
  };
  rulesFor(apiVersion, kind)!.applyDefaults(o);
  return o;
}
const validate = (o: any, old?: any) => rulesFor(o.apiVersion, o.kind)!.validate(o, old);

describe('Service', () => {
  const svc = (spec: any, name = 'web') => {
    const o = make('v1', 'Service', { spec });
    o.metadata.name = name;
    return o;
  };

  it('accepts ClusterIP, headless, NodePort and ExternalName services', () => {
    expect(validate(svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }))).toEqual(
      [],
    );
    expect(validate(svc({ clusterIP: 'None', selector: { app: 'db' } }))).toEqual([]);
    expect(validate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).toEqual([]);
    expect(validate(svc({ type: 'ExternalName', externalName: 'db.example.com.' }))).toEqual([]);
  });

  it.each<[string, any, string, RegExp?]>([
    ['DNS-1035 name', null, 'FieldValueInvalid metadata.name', /DNS-1035 label/],
    ['no ports', {}, 'FieldValueRequired spec.ports'],
    ['port out of range', { ports: [{ port: 0 }] }, 'FieldValueInvalid spec.ports[0].port'],
    [
      'multiple unnamed ports',
      { ports: [{ port: 80 }, { port: 443 }] },
      'FieldValueRequired spec.ports[0].name',
    ],
    [
      'duplicate port names',
      {
        ports: [
          { port: 80, name: 'a' },
          { port: 443, name: 'a' },
        ],
      },
      'FieldValueDuplicate spec.ports[1].name',
    ],
    [
      'duplicate ports',
      {
        ports: [
          { port: 80, name: 'a' },
          { port: 80, name: 'b' },
        ],
      },
      'FieldValueDuplicate spec.ports[1]',
    ],
    [
      'bad protocol',
      { ports: [{ port: 80, protocol: 'ICMP' }] },
      'FieldValueNotSupported spec.ports[0].protocol',
    ],
    [
      'bad targetPort name',
      { ports: [{ port: 80, targetPort: 'HTTP_PORT' }] },
      'FieldValueInvalid spec.ports[0].targetPort',
    ],
    [
      'bad type',
      { type: 'Magic', ports: [{ port: 80 }] },
      'FieldValueNotSupported spec.type',
      /"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"/,
    ],
    [
      'nodePort on ClusterIP',
      { ports: [{ port: 80, nodePort: 30001 }] },
      'FieldValueForbidden spec.ports[0].nodePort',
    ],
    [
      'headless NodePort',
      { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] },
      'FieldValueInvalid spec.clusterIPs[0]',
    ],
    [
      'bad clusterIP',
      { clusterIP: '10.0.0.999', ports: [{ port: 80 }] },
      'FieldValueInvalid spec.clusterIPs[0]',
    ],
    ['ExternalName without name', { type: 'ExternalName' }, 'FieldValueRequired spec.externalName'],
    [
      'bad session affinity',
      { sessionAffinity: 'Cookie', ports: [{ port: 80 }] },
      'FieldValueNotSupported spec.sessionAffinity',
    ],
    ['bad selector', { selector: { app: '-' }, ports: [{ port: 80 }] }, 'FieldValueInvalid spec.selector'],
    [
      'loopback externalIP',
      { externalIPs: ['127.0.0.1'], ports: [{ port: 80 }] },
      'FieldValueInvalid spec.externalIPs[0]',
      /loopback/,
    ],
  ])('%s', (_n, spec, expected, message) => {
    const o = spec === null ? svc({ ports: [{ port: 80 }] }, '1web') : svc(spec);
    const errs = validate(o);
    expect(brief(errs)).toContain(expected);
    if (message) expect(errs.find((e) => `${e.type} ${e.field}` === expected)!.message).toMatch(message);
  });

  it('clusterIP may not change once set, but may be left out', () => {
    const old = svc({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    expect(validate(svc({ clusterIP: '10.96.0.11', ports: [{ port: 80 }] }), old)[0]).toMatchObject({
      field: 'spec.clusterIPs[0]',
      message: expect.stringMatching(/may not change once set$/),
    });
    expect(validate(svc({ ports: [{ port: 8080 }] }), old)).toEqual([]);
  });
});

describe('Endpoints', () => {
  const ep = (subsets: any[]) => make('v1', 'Endpoints', { subsets });
  it('accepts ready and not-ready addresses', () => {
    expect(
      validate(
        ep([
          {
            addresses: [{ ip: '10.244.1.2' }],
            notReadyAddresses: [{ ip: '10.244.1.3' }],
            ports: [{ port: 80 }],
          },
        ]),
      ),
    ).toEqual([]);
  });
  it.each<[string, any[], string]>([
    ['no addresses', [{ ports: [{ port: 80 }] }], 'FieldValueRequired subsets[0]'],
    ['bad ip', [{ addresses: [{ ip: 'nope' }] }], 'FieldValueInvalid subsets[0].addresses[0].ip'],
    ['loopback ip', [{ addresses: [{ ip: '127.0.0.1' }] }], 'FieldValueInvalid subsets[0].addresses[0].ip'],
    [
      'unnamed ports',
      [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 81 }] }],
      'FieldValueRequired subsets[0].ports[0].name',
    ],
  ])('%s', (_n, subsets, expected) => {
    expect(brief(validate(ep(subsets)))).toContain(expected);
  });
});

describe('ConfigMap and Secret', () => {
  it('config map keys and size', () => {
    expect(validate(make('v1', 'ConfigMap', { data: { 'app.properties': 'a=b' } }))).toEqual([]);
    expect(brief(validate(make('v1', 'ConfigMap', { data: { 'a/b': 'x' } })))).toEqual([
      'FieldValueInvalid data[a/b]',
    ]);
    expect(brief(validate(make('v1', 'ConfigMap', { data: { a: 'x'.repeat(1024 * 1024 + 1) } })))).toEqual([
      'FieldValueTooLong ',
    ]);
  });

  it('immutable config maps keep their data', () => {
    const old = make('v1', 'ConfigMap', { immutable: true, data: { a: '1' } });
    const next = make('v1', 'ConfigMap', { immutable: true, data: { a: '2' } });
    expect(validate(next, old)).toEqual([
      {
        type: 'FieldValueForbidden',
        field: 'data',
        message: 'Forbidden: field is immutable when `immutable` is set',
      },
    ]);
  });

  it('secret data must be base64 with valid keys', () => {
    expect(
      validate(make('v1', 'Secret', { data: { password: Buffer.from('s3cr3t').toString('base64') } })),
    ).toEqual([]);
    const errs = validate(make('v1', 'Secret', { data: { password: 'not base64!' } }));
    expect(errs[0]).toMatchObject({
      field: 'data[password]',
      message: expect.stringMatching(/^Invalid value: "<secret contents redacted>": illegal base64/),
    });
  });

  it('TLS and basic-auth secrets need their keys', () => {
    expect(brief(validate(make('v1', 'Secret', { type: 'kubernetes.io/tls', data: {} })))).toEqual([
      'FieldValueRequired data[tls.crt]',
      'FieldValueRequired data[tls.key]',
    ]);
    expect(brief(validate(make('v1', 'Secret', { type: 'kubernetes.io/basic-auth' })))).toHaveLength(2);
  });

  it('secret type is immutable and the data total is capped at 1MiB', () => {
    const old = make('v1', 'Secret', {});
    const next = make('v1', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } });
    expect(brief(validate(next, old))).toEqual(['FieldValueInvalid type']);
    const big = make('v1', 'Secret', { stringData: { a: 'x'.repeat(1024 * 1024 + 1) } });
    expect(brief(validate(big))).toEqual(['FieldValueTooLong data']);
  });
});

describe('Namespace, Node, Event, Lease', () => {
  it('namespace names are DNS-1123 labels and namespaces have no namespace', () => {
    expect(validate(make('v1', 'Namespace', {}, false))).toEqual([]);
    const bad = make('v1', 'Namespace', {}, false);
    bad.metadata.name = 'team.a';
    bad.metadata.namespace = 'default';
    expect(brief(validate(bad))).toEqual([
      'FieldValueInvalid metadata.name',
      'FieldValueForbidden metadata.namespace',
    ]);
  });

  it('namespace status phase must agree with deletion', () => {
    const ns = make('v1', 'Namespace', {}, false);
    const next = structuredClone(ns);
    next.status.phase = 'Terminating';
    expect(rulesFor('v1', 'Namespace')!.validateStatus(next, ns)[0]!.field).toBe('status.Phase');
  });

  it('node taints and pod CIDRs', () => {
    const node = make(
      'v1',
      'Node',
      { spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'k', effect: 'NoSchedule' }] } },
      false,
    );
    expect(validate(node)).toEqual([]);
    const bad = make(
      'v1',
      'Node',
      {
        spec: {
          podCIDRs: ['10.244.1.0/33'],
          taints: [
            { key: 'k', effect: 'Sometimes' },
            { key: 'd', effect: 'NoSchedule' },
            { key: 'd', effect: 'NoSchedule', value: 'x' },
          ],
        },
      },
      false,
    );
    expect(brief(validate(bad))).toEqual([
      'FieldValueInvalid spec.podCIDRs[0]',
      'FieldValueNotSupported spec.taints[0].effect',
      'FieldValueDuplicate spec.taints[2]',
    ]);
    const changed = make('v1', 'Node', { spec: { podCIDR: '10.244.2.0/24' } }, false);
    expect(brief(validate(changed, node))).toEqual(['FieldValueForbidden spec.podCIDRs']);
  });

  it('events must share their involved object namespace', () => {
    const ok = make('v1', 'Event', {
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Scheduled',
    });
    expect(validate(ok)).toEqual([]);
    const bad = make('v1', 'Event', { involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } });
    expect(brief(validate(bad))).toEqual(['FieldValueInvalid involvedObject.namespace']);
    const edited = structuredClone(ok);
    edited.reason = 'Other';
    expect(brief(validate(edited, ok))).toEqual(['FieldValueInvalid reason']);
  });

  it('lease durations are positive', () => {
    expect(
      validate(
        make('coordination.k8s.io/v1', 'Lease', { spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } }),
      ),
    ).toEqual([]);
    expect(
      brief(
        validate(
          make('coordination.k8s.io/v1', 'Lease', {
            spec: { leaseDurationSeconds: 0, leaseTransitions: -1 },
          }),
        ),
      ),
    ).toEqual(['FieldValueInvalid spec.leaseDurationSeconds', 'FieldValueInvalid spec.leaseTransitions']);
  });

  it('owner references need all identifying fields and one controller', () => {
    const cm = make('v1', 'ConfigMap', {});
    cm.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '', controller: true },
    ];
    expect(brief(validate(cm))).toEqual([
      'FieldValueInvalid metadata.ownerReferences.uid',
      'FieldValueInvalid metadata.ownerReferences',
    ]);
  });
});

describe('rulesFor', () => {
  it('knows every kind and nothing else', () => {
    for (const [v, k] of [
      ['v1', 'Pod'],
      ['apps/v1', 'StatefulSet'],
      ['batch/v1', 'CronJob'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'],
    ]) {
      expect(rulesFor(v!, k!)).toBeDefined();
    }
    expect(rulesFor('apps/v1', 'Pod')).toBeUndefined();
    expect(rulesFor('v1', 'Widget')).toBeUndefined();
  });
});

describe('ObjectMeta on update', () => {
  const cm = (metadata: Record<string, unknown>) =>
    make('v1', 'ConfigMap', { metadata: { name: 'x', namespace: 'default', ...metadata } });
  const old = cm({ uid: 'u-1' });

  it('refuses a changed uid, a new deletionTimestamp or deletionGracePeriodSeconds as immutable', () => {
    expect(validate(cm({ uid: 'u-2' }), old)).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'metadata.uid',
        message: 'Invalid value: "u-2": field is immutable',
      },
    ]);
    expect(brief(validate(cm({ uid: 'u-1', deletionTimestamp: '2030-01-01T00:00:00Z' }), old))).toEqual([
      'FieldValueInvalid metadata.deletionTimestamp',
    ]);
    expect(brief(validate(cm({ uid: 'u-1', deletionGracePeriodSeconds: 5 }), old))).toEqual([
      'FieldValueInvalid metadata.deletionGracePeriodSeconds',
    ]);
  });

  it('accepts the same values', () => {
    expect(validate(cm({ uid: 'u-1' }), old)).toEqual([]);
  });
});
