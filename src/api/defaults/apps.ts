// apps/v1 defaulting (pkg/apis/apps/v1/defaults.go): replicas, update strategies, history
// limits and progress deadlines, plus pod defaults on every template.

import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { defaultPodTemplateSpec } from './pod.js';

/** A strategy's type defaults to RollingUpdate, and a RollingUpdate strategy gets its parameters' defaults. */
function defaultRollingUpdate<R extends object>(
  strategy: { type?: string; rollingUpdate?: R },
  defaults: R,
): void {
  strategy.type ||= 'RollingUpdate';
  if (strategy.type !== 'RollingUpdate') return;
  strategy.rollingUpdate ??= {} as R;
  const ru = strategy.rollingUpdate as Record<string, unknown>;
  for (const [field, value] of Object.entries(defaults)) ru[field] ??= value;
}

export function defaultDeployment(d: Deployment): void {
  d.spec ??= {} as NonNullable<Deployment['spec']>;
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  defaultRollingUpdate(spec.strategy, { maxUnavailable: '25%', maxSurge: '25%' });
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(spec.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec ??= {} as NonNullable<ReplicaSet['spec']>;
  const spec = rs.spec;
  spec.replicas ??= 1;
  defaultPodTemplateSpec(spec.template);
}

export function defaultDaemonSet(ds: DaemonSet): void {
  ds.spec ??= {} as NonNullable<DaemonSet['spec']>;
  const spec = ds.spec;
  spec.updateStrategy ??= {};
  defaultRollingUpdate(spec.updateStrategy, { maxUnavailable: 1, maxSurge: 0 });
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
}

export function defaultStatefulSet(sts: StatefulSet): void {
  sts.spec ??= {} as NonNullable<StatefulSet['spec']>;
  const spec = sts.spec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ||= 'OrderedReady';
  spec.updateStrategy ??= {};
  defaultRollingUpdate(spec.updateStrategy, { partition: 0 });
  spec.revisionHistoryLimit ??= 10;
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
  for (const claim of spec.volumeClaimTemplates ?? []) {
    claim.spec ??= {};
    const cs = claim.spec;
    cs.volumeMode ||= 'Filesystem';
  }
  defaultPodTemplateSpec(spec.template);
}
