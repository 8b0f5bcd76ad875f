import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/api/field-errors.js';
import { rulesFor } from '../../src/api/kind-rules.js';

const rules = rulesFor('v1', 'Pod')!;

function pod(mutate: (p: any) => void = () => {}): any {
  const p: any = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80, name: 'http' }] }],
    },
  };
  mutate(p);
  rules.applyDefaults(p);
  return p;
}

const brief = (errs: FieldError[]) => errs.map((e) => `${e.type} ${e.field}`);

describe('Pod validation (create)', () => {
  it('accepts a minimal defaulted pod', () => {
    expect(rules.validate(pod())).toEqual([]);
  });

  it.each<[string, (p: any) => void, string, RegExp?]>([
    ['missing containers', (p) => delete p.spec.containers, 'FieldValueRequired spec.containers'],
    ['empty image', (p) => (p.spec.containers[0].image = ''), 'FieldValueRequired spec.containers[0].image'],
    [
      'bad container name',
      (p) => (p.spec.containers[0].name = 'App_1'),
      'FieldValueInvalid spec.containers[0].name',
      /RFC 1123 label/,
    ],
    [
      'missing name',
      (p) => (p.metadata.name = ''),
      'FieldValueRequired metadata.name',
      /name or generateName is required/,
    ],
    ['missing namespace', (p) => delete p.metadata.namespace, 'FieldValueRequired metadata.namespace'],
    [
      'bad generateName',
      (p) => (p.metadata.generateName = 'Web-'),
      'FieldValueInvalid metadata.generateName',
    ],
    ['bad label key', (p) => (p.metadata.labels = { 'bad key': 'x' }), 'FieldValueInvalid metadata.labels'],
    ['bad label value', (p) => (p.metadata.labels = { app: '-x-' }), 'FieldValueInvalid metadata.labels'],
    [
      'annotations over 256KiB',
      (p) => (p.metadata.annotations = { big: 'x'.repeat(256 * 1024) }),
      'FieldValueTooLong metadata.annotations',
      /may not be more than 262144 bytes/,
    ],
    [
      'port 0',
      (p) => (p.spec.containers[0].ports[0].containerPort = 70000),
      'FieldValueInvalid spec.containers[0].ports[0].containerPort',
      /between 1 and 65535/,
    ],
    [
      'port name',
      (p) => (p.spec.containers[0].ports[0].name = 'HTTP'),
      'FieldValueInvalid spec.containers[0].ports[0].name',
    ],
    [
      'duplicate port name',
      (p) => p.spec.containers[0].ports.push({ containerPort: 81, name: 'http' }),
      'FieldValueDuplicate spec.containers[0].ports[1].name',
    ],
    [
      'protocol',
      (p) => (p.spec.containers[0].ports[0].protocol = 'HTTP'),
      'FieldValueNotSupported spec.containers[0].ports[0].protocol',
      /supported values: "SCTP", "TCP", "UDP"/,
    ],
    [
      'duplicate container names across init and app',
      (p) => (p.spec.initContainers = [{ name: 'app', image: 'busybox' }]),
      'FieldValueDuplicate spec.initContainers[0].name',
    ],
    [
      'duplicate app container names',
      (p) => p.spec.containers.push({ name: 'app', image: 'busybox' }),
      'FieldValueDuplicate spec.containers[1].name',
    ],
    [
      'restartPolicy',
      (p) => (p.spec.restartPolicy = 'Sometimes'),
      'FieldValueNotSupported spec.restartPolicy',
    ],
    ['dnsPolicy', (p) => (p.spec.dnsPolicy = 'Cluster'), 'FieldValueNotSupported spec.dnsPolicy'],
    [
      'dnsPolicy None without config',
      (p) => (p.spec.dnsPolicy = 'None'),
      'FieldValueRequired spec.dnsConfig',
    ],
    ['nodeSelector', (p) => (p.spec.nodeSelector = { 'a b': 'c' }), 'FieldValueInvalid spec.nodeSelector'],
    [
      'activeDeadlineSeconds',
      (p) => (p.spec.activeDeadlineSeconds = 0),
      'FieldValueInvalid spec.activeDeadlineSeconds',
    ],
    ['hostname', (p) => (p.spec.hostname = 'Web'), 'FieldValueInvalid spec.hostname'],
    [
      'ephemeral containers on create',
      (p) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox' }]),
      'FieldValueForbidden spec.ephemeralContainers',
    ],
  ])('%s', (_name, mutate, expected, message) => {
    const errs = rules.validate(pod(mutate));
    expect(brief(errs)).toContain(expected);
    if (message) expect(errs.find((e) => `${e.type} ${e.field}` === expected)!.message).toMatch(message);
  });
});

describe('volumes and mounts', () => {
  it.each<[string, (p: any) => void, string]>([
    [
      'mount of unknown volume',
      (p) => (p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/d' }]),
      'FieldValueNotFound spec.containers[0].volumeMounts[0].name',
    ],
    [
      'two sources in one volume',
      (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {}, configMap: { name: 'c' } }]),
      'FieldValueForbidden spec.volumes[0].configMap',
    ],
    [
      'duplicate volume names',
      (p) =>
        (p.spec.volumes = [
          { name: 'v', emptyDir: {} },
          { name: 'v', emptyDir: {} },
        ]),
      'FieldValueDuplicate spec.volumes[1].name',
    ],
    [
      'secret without name',
      (p) => (p.spec.volumes = [{ name: 'v', secret: {} }]),
      'FieldValueRequired spec.volumes[0].secret.secretName',
    ],
    [
      'pvc without claimName',
      (p) => (p.spec.volumes = [{ name: 'v', persistentVolumeClaim: {} }]),
      'FieldValueRequired spec.volumes[0].persistentVolumeClaim.claimName',
    ],
    [
      'hostPath without path',
      (p) => (p.spec.volumes = [{ name: 'v', hostPath: { path: '' } }]),
      'FieldValueRequired spec.volumes[0].hostPath.path',
    ],
    [
      'duplicate mountPath',
      (p) => {
        p.spec.volumes = [
          { name: 'a', emptyDir: {} },
          { name: 'b', emptyDir: {} },
        ];
        p.spec.containers[0].volumeMounts = [
          { name: 'a', mountPath: '/x' },
          { name: 'b', mountPath: '/x' },
        ];
      },
      'FieldValueInvalid spec.containers[0].volumeMounts[1].mountPath',
    ],
  ])('%s', (_n, mutate, expected) => {
    expect(brief(rules.validate(pod(mutate)))).toContain(expected);
  });

  it('a volume with no source is defaulted to emptyDir', () => {
    const p = pod((x) => {
      x.spec.volumes = [{ name: 'scratch' }];
      x.spec.containers[0].volumeMounts = [{ name: 'scratch', mountPath: '/tmp/s' }];
    });
    expect(p.spec.volumes[0].emptyDir).toEqual({});
    expect(rules.validate(p)).toEqual([]);
  });
});

describe('env, probes, resources, tolerations, affinity', () => {
  it.each<[string, (p: any) => void, string, RegExp?]>([
    [
      'env name with =',
      (p) => (p.spec.containers[0].env = [{ name: 'A=B', value: 'x' }]),
      'FieldValueInvalid spec.containers[0].env[0].name',
    ],
    [
      'valueFrom with no source',
      (p) => (p.spec.containers[0].env = [{ name: 'A', valueFrom: {} }]),
      'FieldValueInvalid spec.containers[0].env[0].valueFrom',
      /must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`/,
    ],
    [
      'valueFrom with two sources',
      (p) =>
        (p.spec.containers[0].env = [
          {
            name: 'A',
            valueFrom: { configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } },
          },
        ]),
      'FieldValueInvalid spec.containers[0].env[0].valueFrom',
      /may not have more than one field specified at a time/,
    ],
    [
      'value and valueFrom',
      (p) =>
        (p.spec.containers[0].env = [
          { name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ]),
      'FieldValueInvalid spec.containers[0].env[0].valueFrom',
      /may not be specified when `value` is not empty/,
    ],
    [
      'unsupported fieldPath',
      (p) => (p.spec.containers[0].env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } }]),
      'FieldValueNotSupported spec.containers[0].env[0].valueFrom.fieldRef.fieldPath',
    ],
    [
      'probe with two handlers',
      (p) => (p.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } }),
      'FieldValueForbidden spec.containers[0].livenessProbe.tcpSocket',
      /may not specify more than 1 handler type/,
    ],
    [
      'probe with no handler',
      (p) => (p.spec.containers[0].readinessProbe = { periodSeconds: 5 }),
      'FieldValueRequired spec.containers[0].readinessProbe',
      /must specify a handler type/,
    ],
    [
      'liveness successThreshold',
      (p) => (p.spec.containers[0].livenessProbe = { httpGet: { port: 80 }, successThreshold: 2 }),
      'FieldValueInvalid spec.containers[0].livenessProbe.successThreshold',
      /must be 1/,
    ],
    [
      'startup successThreshold',
      (p) => (p.spec.containers[0].startupProbe = { tcpSocket: { port: 'http' }, successThreshold: 3 }),
      'FieldValueInvalid spec.containers[0].startupProbe.successThreshold',
    ],
    [
      'negative initialDelaySeconds',
      (p) => (p.spec.containers[0].readinessProbe = { httpGet: { port: 80 }, initialDelaySeconds: -1 }),
      'FieldValueInvalid spec.containers[0].readinessProbe.initialDelaySeconds',
      /must be greater than or equal to 0/,
    ],
    [
      'probe named port must be a valid name',
      (p) => (p.spec.containers[0].readinessProbe = { httpGet: { port: '8080' } }),
      'FieldValueInvalid spec.containers[0].readinessProbe.httpGet.port',
    ],
    [
      'requests above limits',
      (p) => (p.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '500m' } }),
      'FieldValueInvalid spec.containers[0].resources.requests',
      /must be less than or equal to cpu limit of 500m/,
    ],
    [
      'bad quantity',
      (p) => (p.spec.containers[0].resources = { requests: { memory: '1GB' } }),
      'FieldValueInvalid spec.containers[0].resources.requests[memory]',
      /quantities must match the regular expression/,
    ],
    [
      'negative quantity',
      (p) => (p.spec.containers[0].resources = { requests: { cpu: '-1' } }),
      'FieldValueInvalid spec.containers[0].resources.requests[cpu]',
      /must be greater than or equal to 0/,
    ],
    [
      'unknown resource',
      (p) => (p.spec.containers[0].resources = { requests: { gpu: '1' } }),
      'FieldValueInvalid spec.containers[0].resources.requests[gpu]',
      /must be a standard resource type or fully qualified/,
    ],
    [
      'fractional extended resource',
      (p) => (p.spec.containers[0].resources = { limits: { 'example.com/gpu': '500m' } }),
      'FieldValueInvalid spec.containers[0].resources.limits[example.com/gpu]',
      /must be an integer/,
    ],
    [
      'toleration Exists with value',
      (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]),
      'FieldValueInvalid spec.tolerations[0].operator',
      /value must be empty when `operator` is 'Exists'/,
    ],
    [
      'toleration effect',
      (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoRun' }]),
      'FieldValueNotSupported spec.tolerations[0].effect',
    ],
    [
      'tolerationSeconds without NoExecute',
      (p) =>
        (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]),
      'FieldValueInvalid spec.tolerations[0].effect',
      /effect must be 'NoExecute' when `tolerationSeconds` is set/,
    ],
    [
      'toleration with empty key must use Exists',
      (p) => (p.spec.tolerations = [{ operator: 'Equal', value: 'x' }]),
      'FieldValueInvalid spec.tolerations[0].operator',
    ],
    [
      'node affinity without terms',
      (p) =>
        (p.spec.affinity = {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        }),
      'FieldValueRequired spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
    ],
    [
      'node selector In without values',
      (p) =>
        (p.spec.affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }],
            },
          },
        }),
      'FieldValueRequired spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values',
    ],
    [
      'preferred weight out of range',
      (p) =>
        (p.spec.affinity = {
          nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] },
        }),
      'FieldValueInvalid spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight',
    ],
    [
      'pod anti-affinity without topologyKey',
      (p) =>
        (p.spec.affinity = {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'web' } } },
            ],
          },
        }),
      'FieldValueRequired spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey',
    ],
    [
      'init container with a probe',
      (p) =>
        (p.spec.initContainers = [
          { name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['x'] } } },
        ]),
      'FieldValueForbidden spec.initContainers[0].readinessProbe',
    ],
    [
      'host port conflict',
      (p) => {
        p.spec.containers[0].ports[0].hostPort = 8080;
        p.spec.containers.push({ name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] });
      },
      'FieldValueDuplicate spec.containers[1].ports[0].hostPort',
    ],
  ])('%s', (_n, mutate, expected, message) => {
    const errs = rules.validate(pod(mutate));
    expect(brief(errs)).toContain(expected);
    if (message) expect(errs.find((e) => `${e.type} ${e.field}` === expected)!.message).toMatch(message);
  });

  it('accepts a rich valid pod', () => {
    const p = pod((x) => {
      x.spec.containers[0].env = [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'my.relaxed-name', value: '1' },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      ];
      x.spec.containers[0].resources = {
        requests: { cpu: '250m', memory: '64Mi' },
        limits: { cpu: '1', memory: '128Mi' },
      };
      x.spec.containers[0].livenessProbe = { httpGet: { port: 'http', path: '/healthz' } };
      x.spec.containers[0].readinessProbe = { tcpSocket: { port: 80 }, successThreshold: 2 };
      x.spec.tolerations = [
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 2,
        },
      ];
      x.spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
          },
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 50,
              podAffinityTerm: {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: { app: 'web' } },
              },
            },
          ],
        },
      };
    });
    expect(rules.validate(p)).toEqual([]);
  });
});

describe('Pod updates', () => {
  const stored = () => pod();

  it('allows changing the image, labels and adding tolerations', () => {
    const next = stored();
    next.spec.containers[0].image = 'nginx:1.26';
    next.metadata.labels.tier = 'front';
    next.spec.tolerations = [{ key: 'x', operator: 'Exists' }];
    expect(rules.validate(next, stored())).toEqual([]);
  });

  it('forbids other spec changes with kube message and the changed path', () => {
    const next = stored();
    next.spec.containers[0].ports[0].containerPort = 8080;
    const errs = rules.validate(next, stored());
    expect(brief(errs)).toEqual(['FieldValueForbidden spec']);
    expect(errs[0]!.message).toMatch(
      /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
    );
    expect(errs[0]!.message).toContain('spec.containers[0].ports[0].containerPort');
  });

  it('forbids adding containers', () => {
    const next = stored();
    next.spec.containers.push({
      name: 'b',
      image: 'x',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
    });
    expect(brief(rules.validate(next, stored()))).toContain('FieldValueForbidden spec.containers');
  });

  it('activeDeadlineSeconds may only decrease', () => {
    const old = pod((p) => (p.spec.activeDeadlineSeconds = 30));
    const next = pod((p) => (p.spec.activeDeadlineSeconds = 60));
    expect(rules.validate(next, old)[0]!.message).toMatch(/must be less than or equal to previous value/);
    const lower = pod((p) => (p.spec.activeDeadlineSeconds = 10));
    expect(rules.validate(lower, old)).toEqual([]);
  });

  it('existing tolerations may not be modified', () => {
    const old = pod((p) => (p.spec.tolerations = [{ key: 'a', operator: 'Exists' }]));
    const next = pod((p) => (p.spec.tolerations = [{ key: 'b', operator: 'Exists' }]));
    expect(brief(rules.validate(next, old))).toContain('FieldValueForbidden spec.tolerations');
  });

  it('name and namespace are immutable', () => {
    const next = stored();
    next.metadata.name = 'other';
    const errs = rules.validate(next, stored());
    expect(errs[0]).toMatchObject({
      field: 'metadata.name',
      message: 'Invalid value: "other": field is immutable',
    });
  });
});

describe('Pod status writes', () => {
  it('may not change nodeName and may not revive terminated containers of a Never pod', () => {
    const old = pod((p) => (p.spec.restartPolicy = 'Never'));
    old.status = { containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0 } } }] };
    const next = structuredClone(old);
    next.spec.nodeName = 'n1';
    next.status = { containerStatuses: [{ name: 'app', state: { running: {} } }], podIP: '10.0.0.300' };
    expect(brief(rules.validateStatus(next, old))).toEqual([
      'FieldValueForbidden status.nodeName',
      'FieldValueForbidden status.containerStatuses[0].state',
      'FieldValueInvalid status.podIP',
    ]);
  });

  it('accepts an ordinary status update', () => {
    const old = pod();
    const next = structuredClone(old);
    next.status = {
      phase: 'Running',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      hostIP: '192.168.1.10',
    };
    expect(rules.validateStatus(next, old)).toEqual([]);
  });
});
