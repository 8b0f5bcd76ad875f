import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/api/field-errors.js';
import { rulesFor } from '../../src/api/kind-rules.js';

const brief = (errs: FieldError[]) => errs.map((e) => `${e.type} ${e.field}`);

describe('Ingress', () => {
  const rules = rulesFor('networking.k8s.io/v1', 'Ingress')!;
  const ingress = (spec: any) => {
    const o: any = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'default' },
      spec,
    };
    rules.applyDefaults(o);
    return o;
  };
  const rule = (path: any) => ({ host: 'web.example.com', http: { paths: [path] } });
  const backend = { service: { name: 'web', port: { number: 80 } } };

  it('accepts rules and a default backend', () => {
    expect(rules.validate(ingress({ rules: [rule({ path: '/', pathType: 'Prefix', backend })] }))).toEqual(
      [],
    );
    expect(
      rules.validate(ingress({ defaultBackend: { service: { name: 'web', port: { name: 'http' } } } })),
    ).toEqual([]);
  });

  it.each<[string, any, string, RegExp?]>([
    ['nothing', {}, 'FieldValueInvalid spec', /either `defaultBackend` or `rules` must be specified/],
    [
      'pathType missing',
      { rules: [rule({ path: '/', backend })] },
      'FieldValueRequired spec.rules[0].http.paths[0].pathType',
      /pathType must be specified/,
    ],
    [
      'pathType unknown',
      { rules: [rule({ path: '/', pathType: 'Regex', backend })] },
      'FieldValueNotSupported spec.rules[0].http.paths[0].pathType',
    ],
    [
      'relative path',
      { rules: [rule({ path: 'api', pathType: 'Prefix', backend })] },
      'FieldValueInvalid spec.rules[0].http.paths[0].path',
      /must be an absolute path/,
    ],
    [
      'double slash',
      { rules: [rule({ path: '/a//b', pathType: 'Exact', backend })] },
      'FieldValueInvalid spec.rules[0].http.paths[0].path',
      /must not contain '\/\/'/,
    ],
    [
      'no backend',
      { rules: [rule({ path: '/', pathType: 'Prefix', backend: {} })] },
      'FieldValueInvalid spec.rules[0].http.paths[0].backend',
    ],
    [
      'no port',
      { rules: [rule({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } })] },
      'FieldValueRequired spec.rules[0].http.paths[0].backend',
      /port name or number is required/,
    ],
    [
      'bad service name',
      {
        rules: [
          rule({
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: '1web', port: { number: 80 } } },
          }),
        ],
      },
      'FieldValueInvalid spec.rules[0].http.paths[0].backend.service.name',
    ],
    [
      'port out of range',
      {
        rules: [
          rule({
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: 'web', port: { number: 70000 } } },
          }),
        ],
      },
      'FieldValueInvalid spec.rules[0].http.paths[0].backend.service.port.number',
    ],
    [
      'IP host',
      { rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
      'FieldValueInvalid spec.rules[0].host',
    ],
    [
      'empty paths',
      { rules: [{ host: 'a.com', http: { paths: [] } }] },
      'FieldValueRequired spec.rules[0].http.paths',
    ],
    [
      'bad tls host',
      { defaultBackend: backend, tls: [{ hosts: ['*.*.com'] }] },
      'FieldValueInvalid spec.tls[0].hosts[0]',
    ],
  ])('%s', (_n, spec, expected, message) => {
    const errs = rules.validate(ingress(spec));
    expect(brief(errs)).toContain(expected);
    if (message) expect(errs.find((e) => `${e.type} ${e.field}` === expected)!.message).toMatch(message);
  });

  it('wildcard hosts are allowed', () => {
    expect(
      rules.validate(
        ingress({ rules: [{ ...rule({ path: '/', pathType: 'Prefix', backend }), host: '*.example.com' }] }),
      ),
    ).toEqual([]);
  });
});

describe('HorizontalPodAutoscaler', () => {
  const rules = rulesFor('autoscaling/v2', 'HorizontalPodAutoscaler')!;
  const hpa = (spec: any) => {
    const o: any = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        ...spec,
      },
    };
    rules.applyDefaults(o);
    return o;
  };

  it('accepts a defaulted HPA and explicit metrics', () => {
    expect(rules.validate(hpa({}))).toEqual([]);
    expect(
      rules.validate(
        hpa({
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
            },
            {
              type: 'Pods',
              pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } },
            },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, any, string, RegExp?]>([
    [
      'minReplicas 0',
      { minReplicas: 0 },
      'FieldValueInvalid spec.minReplicas',
      /must be greater than or equal to 1/,
    ],
    ['maxReplicas 0', { maxReplicas: 0 }, 'FieldValueInvalid spec.maxReplicas', /must be greater than 0/],
    [
      'max < min',
      { minReplicas: 6 },
      'FieldValueInvalid spec.maxReplicas',
      /must be greater than or equal to `minReplicas`/,
    ],
    [
      'no target name',
      { scaleTargetRef: { kind: 'Deployment' } },
      'FieldValueRequired spec.scaleTargetRef.name',
    ],
    [
      'slash in kind',
      { scaleTargetRef: { kind: 'apps/Deployment', name: 'x' } },
      'FieldValueInvalid spec.scaleTargetRef.kind',
    ],
    ['unknown metric type', { metrics: [{ type: 'Magic' }] }, 'FieldValueNotSupported spec.metrics[0].type'],
    [
      'resource target missing',
      { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] },
      'FieldValueRequired spec.metrics[0].resource.target.averageUtilization',
    ],
    [
      'utilization 0',
      {
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } },
          },
        ],
      },
      'FieldValueInvalid spec.metrics[0].resource.target.averageUtilization',
    ],
    ['type without source', { metrics: [{ type: 'Pods' }] }, 'FieldValueRequired spec.metrics[0].pods'],
    [
      'policy period too long',
      { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 3600 }] } } },
      'FieldValueInvalid spec.behavior.scaleUp.policies[0].periodSeconds',
    ],
    [
      'stabilization window',
      { behavior: { scaleUp: { stabilizationWindowSeconds: 4000 } } },
      'FieldValueInvalid spec.behavior.scaleUp.stabilizationWindowSeconds',
    ],
  ])('%s', (_n, spec, expected, message) => {
    const errs = rules.validate(hpa(spec));
    expect(brief(errs)).toContain(expected);
    if (message) expect(errs.find((e) => `${e.type} ${e.field}` === expected)!.message).toMatch(message);
  });
});
