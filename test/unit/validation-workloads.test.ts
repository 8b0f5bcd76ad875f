import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/api/field-errors.js';
import { rulesFor } from '../../src/api/kind-rules.js';

const brief = (errs: FieldError[]) => errs.map((e) => `${e.type} ${e.field}`);
const template = () => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
});

function make(apiVersion: string, kind: string, spec: any, mutate: (o: any) => void = () => {}): any {
  const o: any = { apiVersion, kind, metadata: { name: 'web', namespace: 'default' }, spec };
  mutate(o);
  rulesFor(apiVersion, kind)!.applyDefaults(o);
  return o;
}
const deployment = (m?: (o: any) => void) =>
  make('apps/v1', 'Deployment', { selector: { matchLabels: { app: 'web' } }, template: template() }, m);
const validate = (o: any, old?: any) => rulesFor(o.apiVersion, o.kind)!.validate(o, old);

describe('Deployment', () => {
  it('accepts a defaulted deployment', () => expect(validate(deployment())).toEqual([]));

  it.each<[string, (o: any) => void, string, RegExp?]>([
    [
      'negative replicas',
      (o) => (o.spec.replicas = -1),
      'FieldValueInvalid spec.replicas',
      /Invalid value: -1: must be greater than or equal to 0/,
    ],
    ['missing selector', (o) => delete o.spec.selector, 'FieldValueRequired spec.selector'],
    [
      'empty selector',
      (o) => (o.spec.selector = {}),
      'FieldValueInvalid spec.selector',
      /empty selector is invalid for deployment/,
    ],
    [
      'selector not matching labels',
      (o) => (o.spec.selector.matchLabels = { app: 'api' }),
      'FieldValueInvalid spec.template.metadata.labels',
      /`selector` does not match template `labels`/,
    ],
    [
      'template restartPolicy',
      (o) => (o.spec.template.spec.restartPolicy = 'Never'),
      'FieldValueNotSupported spec.template.spec.restartPolicy',
    ],
    [
      'template container image',
      (o) => (o.spec.template.spec.containers[0].image = ''),
      'FieldValueRequired spec.template.spec.containers[0].image',
    ],
    [
      'template label value',
      (o) => (o.spec.template.metadata.labels.x = '-'),
      'FieldValueInvalid spec.template.labels',
    ],
    [
      'maxSurge and maxUnavailable both 0',
      (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }),
      'FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable',
      /may not be 0 when `maxSurge` is 0/,
    ],
    [
      'bad percent',
      (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: '25' } }),
      'FieldValueInvalid spec.strategy.rollingUpdate.maxSurge',
    ],
    [
      'over 100%',
      (o) => (o.spec.strategy = { rollingUpdate: { maxUnavailable: '150%' } }),
      'FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable',
    ],
    [
      'Recreate with rollingUpdate',
      (o) => (o.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      'FieldValueForbidden spec.strategy.rollingUpdate',
    ],
    [
      'unknown strategy',
      (o) => (o.spec.strategy = { type: 'BlueGreen' }),
      'FieldValueNotSupported spec.strategy',
    ],
    [
      'revisionHistoryLimit',
      (o) => (o.spec.revisionHistoryLimit = -2),
      'FieldValueInvalid spec.revisionHistoryLimit',
    ],
    [
      'progressDeadline <= minReady',
      (o) => {
        o.spec.minReadySeconds = 30;
        o.spec.progressDeadlineSeconds = 30;
      },
      'FieldValueInvalid spec.progressDeadlineSeconds',
      /must be greater than minReadySeconds/,
    ],
    [
      'bad selector operator',
      (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Has' }] }),
      'FieldValueInvalid spec.selector.matchExpressions[0].operator',
    ],
  ])('%s', (_n, mutate, expected, message) => {
    const errs = validate(deployment(mutate));
    expect(brief(errs)).toContain(expected);
    if (message) expect(errs.find((e) => `${e.type} ${e.field}` === expected)!.message).toMatch(message);
  });

  it('selector is immutable on update; replicas and image are not', () => {
    const old = deployment();
    const ok = deployment((o) => {
      o.spec.replicas = 5;
      o.spec.template.spec.containers[0].image = 'nginx:2';
    });
    expect(validate(ok, old)).toEqual([]);
    const bad = deployment((o) => {
      o.spec.selector.matchLabels.tier = 'x';
      o.spec.template.metadata.labels.tier = 'x';
    });
    expect(brief(validate(bad, old))).toEqual(['FieldValueInvalid spec.selector']);
    expect(validate(bad, old)[0]!.message).toMatch(/field is immutable$/);
  });

  it('status counts are bounded', () => {
    const old = deployment();
    const next = structuredClone(old);
    next.status = { replicas: 2, readyReplicas: 3, availableReplicas: 3 };
    expect(brief(rulesFor('apps/v1', 'Deployment')!.validateStatus(next, old))).toEqual([
      'FieldValueInvalid status.readyReplicas',
      'FieldValueInvalid status.availableReplicas',
    ]);
  });
});

describe('ReplicaSet and DaemonSet', () => {
  const rs = (m?: (o: any) => void) =>
    make('apps/v1', 'ReplicaSet', { selector: { matchLabels: { app: 'web' } }, template: template() }, m);
  const ds = (m?: (o: any) => void) =>
    make('apps/v1', 'DaemonSet', { selector: { matchLabels: { app: 'web' } }, template: template() }, m);

  it('accept defaulted objects', () => {
    expect(validate(rs())).toEqual([]);
    expect(validate(ds())).toEqual([]);
  });

  it.each<[string, () => any, string]>([
    ['rs negative replicas', () => rs((o) => (o.spec.replicas = -1)), 'FieldValueInvalid spec.replicas'],
    [
      'rs activeDeadlineSeconds',
      () => rs((o) => (o.spec.template.spec.activeDeadlineSeconds = 5)),
      'FieldValueForbidden spec.template.spec.activeDeadlineSeconds',
    ],
    ['ds empty selector', () => ds((o) => (o.spec.selector = {})), 'FieldValueInvalid spec.selector'],
    [
      'ds surge and unavailable both set',
      () => ds((o) => (o.spec.updateStrategy = { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } })),
      'FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge',
    ],
    [
      'ds both zero',
      () => ds((o) => (o.spec.updateStrategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })),
      'FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable',
    ],
    [
      'ds bad strategy',
      () => ds((o) => (o.spec.updateStrategy = { type: 'Never' })),
      'FieldValueNotSupported spec.updateStrategy',
    ],
  ])('%s', (_n, build, expected) => {
    expect(brief(validate(build()))).toContain(expected);
  });
});

describe('StatefulSet', () => {
  const sts = (m?: (o: any) => void) =>
    make(
      'apps/v1',
      'StatefulSet',
      {
        serviceName: 'web',
        selector: { matchLabels: { app: 'web' } },
        template: {
          ...template(),
          spec: {
            containers: [
              { name: 'app', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      },
      m,
    );

  it('accepts mounts of claim templates', () => expect(validate(sts())).toEqual([]));

  it.each<[string, (o: any) => void, string]>([
    [
      'podManagementPolicy',
      (o) => (o.spec.podManagementPolicy = 'Random'),
      'FieldValueInvalid spec.podManagementPolicy',
    ],
    [
      'partition',
      (o) => (o.spec.updateStrategy = { rollingUpdate: { partition: -1 } }),
      'FieldValueInvalid spec.updateStrategy.rollingUpdate.partition',
    ],
    [
      'OnDelete with rollingUpdate',
      (o) => (o.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: {} }),
      'FieldValueInvalid spec.updateStrategy.rollingUpdate',
    ],
    ['empty selector', (o) => (o.spec.selector = {}), 'FieldValueInvalid spec.selector'],
  ])('%s', (_n, mutate, expected) => {
    expect(brief(validate(sts(mutate)))).toContain(expected);
  });

  it('only replicas, template, updateStrategy and a few more may change', () => {
    const old = sts();
    expect(
      validate(
        sts((o) => (o.spec.replicas = 3)),
        old,
      ),
    ).toEqual([]);
    const errs = validate(
      sts((o) => (o.spec.serviceName = 'other')),
      old,
    );
    expect(brief(errs)).toEqual(['FieldValueForbidden spec']);
    expect(errs[0]!.message).toMatch(/updates to statefulset spec for fields other than 'replicas'/);
  });
});

describe('Job', () => {
  const job = (m?: (o: any) => void) =>
    make(
      'batch/v1',
      'Job',
      { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } },
      (o) => {
        o.metadata.uid = 'uid-1';
        m?.(o);
      },
    );

  it('generates the selector and accepts the job', () => {
    const j = job();
    expect(j.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
    expect(validate(j)).toEqual([]);
  });

  it.each<[string, (o: any) => void, string]>([
    [
      'restartPolicy Always',
      (o) => (o.spec.template.spec.restartPolicy = 'Always'),
      'FieldValueNotSupported spec.template.spec.restartPolicy',
    ],
    ['negative backoffLimit', (o) => (o.spec.backoffLimit = -1), 'FieldValueInvalid spec.backoffLimit'],
    ['negative parallelism', (o) => (o.spec.parallelism = -1), 'FieldValueInvalid spec.parallelism'],
    ['negative completions', (o) => (o.spec.completions = -1), 'FieldValueInvalid spec.completions'],
    [
      'completionMode',
      (o) => (o.spec.completionMode = 'Weird'),
      'FieldValueNotSupported spec.completionMode',
    ],
  ])('%s', (_n, mutate, expected) => {
    expect(brief(validate(job(mutate)))).toContain(expected);
  });

  it('without restartPolicy the template defaults to Always, which a Job rejects', () => {
    const j = job((o) => delete o.spec.template.spec.restartPolicy);
    expect(validate(j)[0]!.message).toBe(
      'Unsupported value: "Always": supported values: "OnFailure", "Never"',
    );
  });

  it('manual selector must match the template', () => {
    const j = make('batch/v1', 'Job', {
      manualSelector: true,
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'c' } },
        spec: { containers: [{ name: 'x', image: 'y' }], restartPolicy: 'Never' },
      },
    });
    expect(brief(validate(j))).toContain('FieldValueInvalid spec.template.metadata.labels');
  });

  it('template is immutable, completions too; a suspended job may change scheduling directives', () => {
    const old = job();
    const next = job((o) => (o.spec.template.spec.containers[0].image = 'perl:2'));
    expect(brief(validate(next, old))).toEqual(['FieldValueInvalid spec.template']);
    expect(
      brief(
        validate(
          job((o) => (o.spec.completions = 3)),
          old,
        ),
      ),
    ).toEqual(['FieldValueInvalid spec.completions']);
    const suspended = job((o) => (o.spec.suspend = true));
    const moved = job((o) => {
      o.spec.suspend = true;
      o.spec.template.spec.nodeSelector = { zone: 'a' };
    });
    expect(validate(moved, suspended)).toEqual([]);
  });
});

describe('CronJob', () => {
  const cj = (schedule: string, m?: (o: any) => void) =>
    make(
      'batch/v1',
      'CronJob',
      {
        schedule,
        jobTemplate: {
          spec: {
            template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } },
          },
        },
      },
      m,
    );

  it.each([
    '*/5 * * * *',
    '0 0 * * 0',
    '@hourly',
    '@daily',
    '30 2 1-15 jan,feb mon-fri',
    '@every 1h30m',
    '0 */2 * * *',
  ])('accepts %j', (s) => expect(validate(cj(s))).toEqual([]));

  it.each([
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-3 * * * *', 'beginning of range (5) beyond end of range (3): 5-3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
  ])('rejects %j with the parser message', (s, msg) => {
    const errs = validate(cj(s));
    expect(errs).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.schedule',
        message: `Invalid value: ${JSON.stringify(s)}: ${msg}`,
      },
    ]);
  });

  it.each<[string, (o: any) => void, string]>([
    ['TZ in schedule', (o) => (o.spec.schedule = 'TZ=UTC 0 * * * *'), 'FieldValueInvalid spec.schedule'],
    [
      'concurrencyPolicy',
      (o) => (o.spec.concurrencyPolicy = 'Sometimes'),
      'FieldValueNotSupported spec.concurrencyPolicy',
    ],
    [
      'history limit',
      (o) => (o.spec.failedJobsHistoryLimit = -1),
      'FieldValueInvalid spec.failedJobsHistoryLimit',
    ],
    ['name too long', (o) => (o.metadata.name = 'a'.repeat(53)), 'FieldValueInvalid metadata.name'],
    [
      'job template restartPolicy',
      (o) => (o.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'),
      'FieldValueNotSupported spec.jobTemplate.spec.template.spec.restartPolicy',
    ],
    [
      'job template selector',
      (o) => (o.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } }),
      'FieldValueInvalid spec.jobTemplate.spec.selector',
    ],
    ['time zone', (o) => (o.spec.timeZone = 'Mars/Olympus'), 'FieldValueInvalid spec.timeZone'],
  ])('%s', (_n, mutate, expected) => {
    expect(brief(validate(cj('0 * * * *', mutate)))).toContain(expected);
  });
});

describe('HorizontalPodAutoscaler Object and External metrics', () => {
  const hpa = (metric: any) =>
    make('autoscaling/v2', 'HorizontalPodAutoscaler', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 5,
      metrics: [metric],
    });
  const describedObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' };
  const metric = { name: 'requests-per-second' };

  it('accepts a value or an averageValue target', () => {
    expect(
      validate(
        hpa({ type: 'Object', object: { describedObject, metric, target: { type: 'Value', value: '10k' } } }),
      ),
    ).toEqual([]);
    expect(
      validate(
        hpa({ type: 'External', external: { metric, target: { type: 'AverageValue', averageValue: '30' } } }),
      ),
    ).toEqual([]);
  });

  it.each<[string, any, string, RegExp]>([
    [
      'Object without a target value',
      { type: 'Object', object: { describedObject, metric, target: { type: 'Value' } } },
      'FieldValueRequired spec.metrics[0].object.target.averageValue',
      /must set either a target value or averageValue/,
    ],
    [
      'Object without a metric name',
      { type: 'Object', object: { describedObject, metric: {}, target: { type: 'Value', value: '1' } } },
      'FieldValueRequired spec.metrics[0].object.metric.name',
      /must specify a metric name/,
    ],
    [
      'External without a target value',
      { type: 'External', external: { metric, target: { type: 'Value' } } },
      'FieldValueRequired spec.metrics[0].external.target.averageValue',
      /must set either a target value for metric or a per-pod target/,
    ],
    [
      'External with both targets',
      { type: 'External', external: { metric, target: { type: 'Value', value: '1', averageValue: '1' } } },
      'FieldValueForbidden spec.metrics[0].external.target.value',
      /may not set both/,
    ],
  ])('%s', (_n, m, expected, message) => {
    const errs = validate(hpa(m));
    expect(brief(errs)).toContain(expected);
    expect(errs.map((e: FieldError) => e.message).join('\n')).toMatch(message);
  });
});
