// autoscaling/v2 defaulting: minReplicas 1, a CPU 80% utilization target when no metric is
// given, and Kubernetes' default scale-up/scale-down policies filled into any behavior given.

import type { HorizontalPodAutoscaler, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

export const defaultCPUUtilization = 80;

function scaleUpDefaults(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownDefaults(): HPAScalingRules {
  // The stabilization window stays unset: the controller's own flag decides it.
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function fillRules(given: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!given) return defaults;
  const out = { ...defaults };
  if (given.selectPolicy != null) out.selectPolicy = given.selectPolicy;
  if (given.stabilizationWindowSeconds != null)
    out.stabilizationWindowSeconds = given.stabilizationWindowSeconds;
  if (given.policies != null) out.policies = given.policies;
  return out;
}

export function defaultHPA(hpa: HorizontalPodAutoscaler): void {
  hpa.spec ??= {} as NonNullable<HorizontalPodAutoscaler['spec']>;
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } },
      },
    ];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}
