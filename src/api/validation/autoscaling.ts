// autoscaling/v2 HorizontalPodAutoscaler validation: replica bounds, the scale target
// reference, metric sources with their targets, and scaling behavior policies.

import type {
  CrossVersionObjectReference,
  HorizontalPodAutoscaler,
  HPAScalingRules,
  MetricSpec,
  MetricTarget,
} from 'kubernetes-types/autoscaling/v2.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isValidPathSegmentName } from '../names.js';
import { parseQuantity } from '../quantity.js';
import { validateNonnegativeField } from './object-meta.js';
import { validateDNS1123Label } from './pod-spec.js';

const specPath = FieldPath.root('spec');
const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const sourceField: Record<string, keyof MetricSpec> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};
const maxPeriodSeconds = 1800;
const maxStabilizationWindowSeconds = 3600;

function validateSegmentName(value: string | undefined, path: FieldPath, requiredDetail = ''): FieldError[] {
  if (!value) return [fieldErrors.required(path, requiredDetail)];
  return isValidPathSegmentName(value).map((m) => fieldErrors.invalid(path, value, m));
}

export function validateCrossVersionObjectReference(
  ref: CrossVersionObjectReference | undefined,
  path: FieldPath,
): FieldError[] {
  return [
    ...validateSegmentName(ref?.kind, path.child('kind')),
    ...validateSegmentName(ref?.name, path.child('name')),
  ];
}

function isPositive(q: string | undefined): boolean {
  try {
    return parseQuantity(q ?? '0').sign() === 1;
  } catch {
    return false;
  }
}

function validateMetricTarget(t: MetricTarget | undefined, path: FieldPath): FieldError[] {
  const target = t ?? ({} as MetricTarget);
  const errs: FieldError[] = [];
  if (!target.type) errs.push(fieldErrors.required(path.child('type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(target.type ?? '')) {
    errs.push(
      fieldErrors.invalid(
        path.child('type'),
        target.type ?? '',
        'must be either Utilization, Value, or AverageValue',
      ),
    );
  }
  if (target.value != null && !isPositive(target.value))
    errs.push(fieldErrors.invalid(path.child('value'), target.value, 'must be positive'));
  if (target.averageValue != null && !isPositive(target.averageValue)) {
    errs.push(fieldErrors.invalid(path.child('averageValue'), target.averageValue, 'must be positive'));
  }
  if (target.averageUtilization != null && target.averageUtilization < 1) {
    errs.push(
      fieldErrors.invalid(
        path.child('averageUtilization'),
        target.averageUtilization,
        'must be greater than 0',
      ),
    );
  }
  return errs;
}

function validateResourceTarget(target: MetricTarget | undefined, path: FieldPath): FieldError[] {
  const errs = validateMetricTarget(target, path);
  if (target?.averageUtilization == null && target?.averageValue == null) {
    errs.push(
      fieldErrors.required(
        path.child('averageUtilization'),
        'must set either a target raw value or a target utilization',
      ),
    );
  }
  if (target?.averageUtilization != null && target.averageValue != null) {
    errs.push(
      fieldErrors.forbidden(
        path.child('averageValue'),
        'may not set both a target raw value and a target utilization',
      ),
    );
  }
  return errs;
}

/** Object and External metrics: a named metric whose target has a value or an averageValue. */
function validateValueMetric(
  src: { metric?: { name?: string }; target?: MetricTarget },
  p: FieldPath,
  missingTarget: string,
): FieldError[] {
  const errs = validateSegmentName(
    src.metric?.name,
    p.child('metric').child('name'),
    'must specify a metric name',
  );
  errs.push(...validateMetricTarget(src.target, p.child('target')));
  if (src.target?.value == null && src.target?.averageValue == null)
    errs.push(fieldErrors.required(p.child('target').child('averageValue'), missingTarget));
  return errs;
}

function validateMetricSource(spec: MetricSpec, key: keyof MetricSpec, path: FieldPath): FieldError[] {
  const p = path.child(key);
  switch (key) {
    case 'resource':
      return [
        ...(spec.resource!.name
          ? []
          : [fieldErrors.required(p.child('name'), 'must specify a resource name')]),
        ...validateResourceTarget(spec.resource!.target, p.child('target')),
      ];
    case 'containerResource': {
      const src = spec.containerResource!;
      const errs = src.name ? [] : [fieldErrors.required(p.child('name'), 'must specify a resource name')];
      if (!src.container) errs.push(fieldErrors.required(p.child('container'), 'must specify a container'));
      else errs.push(...validateDNS1123Label(src.container, p.child('container')));
      errs.push(...validateResourceTarget(src.target, p.child('target')));
      return errs;
    }
    case 'pods': {
      const src = spec.pods!;
      const errs = validateSegmentName(
        src.metric?.name,
        p.child('metric').child('name'),
        'must specify a metric name',
      );
      errs.push(...validateMetricTarget(src.target, p.child('target')));
      if (src.target?.averageValue == null) {
        errs.push(
          fieldErrors.required(
            p.child('target').child('averageValue'),
            'must specify a positive target averageValue',
          ),
        );
      }
      return errs;
    }
    case 'object': {
      const src = spec.object!;
      return [
        ...validateCrossVersionObjectReference(src.describedObject, p.child('describedObject')),
        ...validateValueMetric(src, p, 'must set either a target value or averageValue'),
      ];
    }
    default: {
      const src = spec.external!;
      const errs = validateValueMetric(
        src,
        p,
        'must set either a target value for metric or a per-pod target',
      );
      if (src.target?.value != null && src.target.averageValue != null) {
        errs.push(
          fieldErrors.forbidden(
            p.child('target').child('value'),
            'may not set both a target value for metric and a per-pod target',
          ),
        );
      }
      return errs;
    }
  }
}

function validateMetricSpec(spec: MetricSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.type) errs.push(fieldErrors.required(path.child('type'), 'must specify a metric source type'));
  else if (!metricSourceTypes.includes(spec.type))
    errs.push(fieldErrors.notSupported(path.child('type'), spec.type, metricSourceTypes));
  const present = Object.values(sourceField).filter((k) => spec[k] != null);
  const first = present[0];
  if (first) errs.push(...validateMetricSource(spec, first, path));
  const expected = sourceField[spec.type];
  if (expected && spec[expected] == null) {
    errs.push(
      fieldErrors.required(path.child(expected), 'must populate information for the given metric source'),
    );
  }
  if (present.length > 1) {
    for (const k of present) {
      if (k !== expected)
        errs.push(fieldErrors.forbidden(path.child(k), 'must populate the given metric source only'));
    }
  }
  return errs;
}

function validateScalingRules(rules: HPAScalingRules | undefined, path: FieldPath): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const sw = rules.stabilizationWindowSeconds;
  const swPath = path.child('stabilizationWindowSeconds');
  if (sw != null && sw < 0)
    errs.push(fieldErrors.invalid(swPath, sw, 'must be greater than or equal to zero'));
  if (sw != null && sw > maxStabilizationWindowSeconds) {
    errs.push(
      fieldErrors.invalid(swPath, sw, `must be less than or equal to ${maxStabilizationWindowSeconds}`),
    );
  }
  if (rules.selectPolicy != null && !['Disabled', 'Max', 'Min'].includes(rules.selectPolicy)) {
    errs.push(
      fieldErrors.notSupported(path.child('selectPolicy'), rules.selectPolicy, ['Disabled', 'Max', 'Min']),
    );
  }
  const policiesPath = path.child('policies');
  if ((rules.policies ?? []).length === 0)
    errs.push(fieldErrors.required(policiesPath, 'must specify at least one Policy'));
  (rules.policies ?? []).forEach((policy, i) => {
    const p = policiesPath.index(i);
    if (policy.type !== 'Pods' && policy.type !== 'Percent')
      errs.push(fieldErrors.notSupported(p.child('type'), policy.type, ['Percent', 'Pods']));
    if ((policy.value ?? 0) <= 0)
      errs.push(fieldErrors.invalid(p.child('value'), policy.value ?? 0, 'must be greater than zero'));
    const period = policy.periodSeconds ?? 0;
    if (period <= 0)
      errs.push(fieldErrors.invalid(p.child('periodSeconds'), period, 'must be greater than zero'));
    if (period > maxPeriodSeconds)
      errs.push(
        fieldErrors.invalid(
          p.child('periodSeconds'),
          period,
          `must be less than or equal to ${maxPeriodSeconds}`,
        ),
      );
  });
  return errs;
}

export function validateHPASpec(hpa: HorizontalPodAutoscaler): FieldError[] {
  const spec = hpa.spec ?? ({} as NonNullable<HorizontalPodAutoscaler['spec']>);
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  const max = spec.maxReplicas ?? 0;
  if (min != null && min < 1)
    errs.push(fieldErrors.invalid(specPath.child('minReplicas'), min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(fieldErrors.invalid(specPath.child('maxReplicas'), max, 'must be greater than 0'));
  if (min != null && max < min)
    errs.push(
      fieldErrors.invalid(
        specPath.child('maxReplicas'),
        max,
        'must be greater than or equal to `minReplicas`',
      ),
    );
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, specPath.child('scaleTargetRef')));
  (spec.metrics ?? []).forEach((m, i) => {
    errs.push(...validateMetricSpec(m, specPath.child('metrics').index(i)));
  });
  errs.push(...validateScalingRules(spec.behavior?.scaleUp, specPath.child('behavior').child('scaleUp')));
  errs.push(...validateScalingRules(spec.behavior?.scaleDown, specPath.child('behavior').child('scaleDown')));
  return errs;
}

export function validateHPAStatus(hpa: HorizontalPodAutoscaler): FieldError[] {
  const path = FieldPath.root('status');
  return [
    ...validateNonnegativeField(hpa.status?.currentReplicas ?? 0, path.child('currentReplicas')),
    ...validateNonnegativeField(hpa.status?.desiredReplicas ?? 0, path.child('desiredReplicas')),
  ];
}
