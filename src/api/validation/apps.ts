// apps/v1 validation (pkg/apis/apps/validation): Deployment, ReplicaSet, DaemonSet and
// StatefulSet specs, their update restrictions and status invariants.

import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { deepEqual } from '../deep-equal.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isValidPercent } from '../names.js';
import { validateImmutableField, validateNonnegativeField } from './object-meta.js';
import { validateLongRunningTemplate, validateSelectorMatchesTemplate } from './workload.js';

const specPath = FieldPath.root('spec');
const statusPath = FieldPath.root('status');

function validatePositiveIntOrPercent(v: number | string | undefined, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => fieldErrors.invalid(path, v, m));
  return validateNonnegativeField(v ?? 0, path);
}

function percentValue(v: number | string | undefined): number | undefined {
  return typeof v === 'string' && isValidPercent(v).length === 0 ? Number(v.slice(0, -1)) : undefined;
}

function intOrPercentValue(v: number | string | undefined): number {
  return percentValue(v) ?? (typeof v === 'number' ? v : 0);
}

function notMoreThan100Percent(v: number | string | undefined, path: FieldPath): FieldError[] {
  const pct = percentValue(v);
  return pct !== undefined && pct > 100
    ? [fieldErrors.invalid(path, v, 'must not be greater than 100%')]
    : [];
}

function validateRevisionHistoryLimit(limit: number | undefined): FieldError[] {
  return limit == null ? [] : validateNonnegativeField(limit, specPath.child('revisionHistoryLimit'));
}

// ---- Deployment ----

export function validateDeploymentSpec(d: Deployment): FieldError[] {
  const spec = d.spec ?? ({} as NonNullable<Deployment['spec']>);
  const errs = validateNonnegativeField(spec.replicas ?? 0, specPath.child('replicas'));
  errs.push(...validateSelectorMatchesTemplate(spec, specPath, 'deployment'));
  errs.push(...validateLongRunningTemplate(spec.template, specPath.child('template'), 'ReplicaSet'));

  const strategyPath = specPath.child('strategy');
  const strategy = spec.strategy ?? {};
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) {
        errs.push(
          fieldErrors.forbidden(
            strategyPath.child('rollingUpdate'),
            "may not be specified when strategy `type` is 'Recreate'",
          ),
        );
      }
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      const ruPath = strategyPath.child('rollingUpdate');
      if (!ru) {
        errs.push(fieldErrors.required(ruPath, 'this should be defaulted and never be nil'));
        break;
      }
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, ruPath.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, ruPath.child('maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(
          fieldErrors.invalid(
            ruPath.child('maxUnavailable'),
            ru.maxUnavailable ?? 0,
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, ruPath.child('maxUnavailable')));
      break;
    }
    default:
      errs.push(fieldErrors.notSupported(strategyPath, strategy, ['Recreate', 'RollingUpdate']));
  }
  const minReady = spec.minReadySeconds ?? 0;
  errs.push(...validateNonnegativeField(minReady, specPath.child('minReadySeconds')));
  errs.push(...validateRevisionHistoryLimit(spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds != null) {
    const p = specPath.child('progressDeadlineSeconds');
    errs.push(...validateNonnegativeField(spec.progressDeadlineSeconds, p));
    if (spec.progressDeadlineSeconds <= minReady) {
      errs.push(fieldErrors.invalid(p, spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** spec.selector is fixed for apps/v1 workloads: changing it would orphan the running pods. */
export function validateSelectorUpdate(
  obj: { spec?: { selector?: unknown } },
  old: { spec?: { selector?: unknown } },
): FieldError[] {
  return validateImmutableField(obj.spec?.selector, old.spec?.selector, specPath.child('selector'));
}

type ReplicaCounts = Partial<Record<string, number>>;

/** Each count non-negative, the bounded ones not above status.replicas, available never above ready. */
function validateReplicaCounts(
  status: object | undefined,
  counts: string[],
  boundedByReplicas: string[],
  readyWord: string,
): FieldError[] {
  const s = (status ?? {}) as ReplicaCounts;
  const errs: FieldError[] = [];
  for (const key of ['observedGeneration', 'replicas', ...counts]) {
    errs.push(...validateNonnegativeField(s[key] ?? 0, statusPath.child(key)));
  }
  for (const key of boundedByReplicas) {
    if ((s[key] ?? 0) > (s.replicas ?? 0)) {
      errs.push(fieldErrors.invalid(statusPath.child(key), s[key], 'cannot be greater than status.replicas'));
    }
  }
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(
      fieldErrors.invalid(
        statusPath.child('availableReplicas'),
        s.availableReplicas,
        `cannot be greater than ${readyWord}`,
      ),
    );
  }
  if (s.collisionCount != null)
    errs.push(...validateNonnegativeField(s.collisionCount, statusPath.child('collisionCount')));
  return errs;
}

function validateCollisionCountUpdate(
  next: { collisionCount?: number } | undefined,
  prev: { collisionCount?: number } | undefined,
): FieldError[] {
  const n = next?.collisionCount;
  const p = prev?.collisionCount;
  return n != null && p != null && n < p
    ? [fieldErrors.invalid(statusPath.child('collisionCount'), n, 'cannot be decremented')]
    : [];
}

export function validateDeploymentStatus(d: Deployment, old: Deployment): FieldError[] {
  return [
    ...validateReplicaCounts(
      d.status,
      ['updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'],
      ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
      'readyReplicas',
    ),
    ...validateCollisionCountUpdate(d.status, old.status),
  ];
}

// ---- ReplicaSet ----

export function validateReplicaSetSpec(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec ?? ({} as NonNullable<ReplicaSet['spec']>);
  const errs = validateNonnegativeField(spec.replicas ?? 0, specPath.child('replicas'));
  errs.push(...validateNonnegativeField(spec.minReadySeconds ?? 0, specPath.child('minReadySeconds')));
  // kube words this message for deployments here too.
  errs.push(...validateSelectorMatchesTemplate(spec, specPath, 'deployment'));
  errs.push(...validateLongRunningTemplate(spec.template, specPath.child('template'), 'ReplicaSet'));
  return errs;
}

export function validateReplicaSetStatus(rs: ReplicaSet): FieldError[] {
  const counts = ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'];
  return validateReplicaCounts(rs.status, counts, counts, 'readyReplicas');
}

// ---- DaemonSet ----

export function validateDaemonSetSpec(ds: DaemonSet): FieldError[] {
  const spec = ds.spec ?? ({} as NonNullable<DaemonSet['spec']>);
  const errs = validateSelectorMatchesTemplate(spec, specPath, 'daemonset');
  errs.push(...validateLongRunningTemplate(spec.template, specPath.child('template'), 'DaemonSet'));
  errs.push(...validateNonnegativeField(spec.minReadySeconds ?? 0, specPath.child('minReadySeconds')));
  const strategyPath = specPath.child('updateStrategy');
  const strategy = spec.updateStrategy ?? {};
  switch (strategy.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      const ruPath = strategyPath.child('rollingUpdate');
      if (!ru) {
        errs.push(fieldErrors.required(ruPath, ''));
        break;
      }
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, ruPath.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, ruPath.child('maxSurge')));
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, ruPath.child('maxUnavailable')));
      errs.push(...notMoreThan100Percent(ru.maxSurge, ruPath.child('maxSurge')));
      const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const surge = intOrPercentValue(ru.maxSurge) !== 0;
      if (unavailable && surge) {
        errs.push(
          fieldErrors.invalid(
            ruPath.child('maxSurge'),
            ru.maxSurge,
            'may not be set when maxUnavailable is non-zero',
          ),
        );
      } else if (!unavailable && !surge) {
        errs.push(fieldErrors.required(ruPath.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      }
      break;
    }
    default:
      errs.push(fieldErrors.notSupported(strategyPath, strategy, ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...validateRevisionHistoryLimit(spec.revisionHistoryLimit));
  return errs;
}

export function validateDaemonSetStatus(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const s = (ds.status ?? {}) as ReplicaCounts;
  const keys = [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
    'collisionCount',
  ];
  return [
    ...keys.flatMap((k) => validateNonnegativeField(s[k] ?? 0, statusPath.child(k))),
    ...validateCollisionCountUpdate(ds.status, old.status),
  ];
}

// ---- StatefulSet ----

export function validateStatefulSetSpec(sts: StatefulSet): FieldError[] {
  const spec = sts.spec ?? ({} as NonNullable<StatefulSet['spec']>);
  const errs: FieldError[] = [];
  const pmp = specPath.child('podManagementPolicy');
  if (!spec.podManagementPolicy) errs.push(fieldErrors.required(pmp, ''));
  else if (spec.podManagementPolicy !== 'OrderedReady' && spec.podManagementPolicy !== 'Parallel') {
    errs.push(fieldErrors.invalid(pmp, spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const usPath = specPath.child('updateStrategy');
  const us = spec.updateStrategy ?? {};
  switch (us.type ?? '') {
    case '':
      errs.push(fieldErrors.required(usPath, ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate)
        errs.push(
          fieldErrors.invalid(
            usPath.child('rollingUpdate'),
            us.rollingUpdate,
            "only allowed for updateStrategy 'RollingUpdate'",
          ),
        );
      break;
    case 'RollingUpdate':
      if (us.rollingUpdate?.partition != null) {
        errs.push(
          ...validateNonnegativeField(
            us.rollingUpdate.partition,
            usPath.child('rollingUpdate').child('partition'),
          ),
        );
      }
      break;
    default:
      errs.push(fieldErrors.invalid(usPath, us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  if (spec.ordinals?.start != null)
    errs.push(...validateNonnegativeField(spec.ordinals.start, specPath.child('ordinals.start')));
  errs.push(...validateNonnegativeField(spec.replicas ?? 0, specPath.child('replicas')));
  errs.push(...validateNonnegativeField(spec.minReadySeconds ?? 0, specPath.child('minReadySeconds')));
  errs.push(...validateSelectorMatchesTemplate(spec, specPath, 'statefulset'));
  // Claim templates become volumes of each pod, so mounts may refer to them.
  const claimNames = (spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? '');
  errs.push(
    ...validateLongRunningTemplate(spec.template, specPath.child('template'), 'StatefulSet', {
      extraVolumeNames: claimNames,
    }),
  );
  errs.push(...validateRevisionHistoryLimit(spec.revisionHistoryLimit));
  return errs;
}

const mutableStatefulSetFields = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
] as const;

export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const frozen = (s: StatefulSet) => {
    const copy: Record<string, unknown> = { ...(s.spec ?? {}) };
    for (const k of mutableStatefulSetFields) delete copy[k];
    return copy;
  };
  if (deepEqual(frozen(sts), frozen(old))) return [];
  return [
    fieldErrors.forbidden(
      specPath,
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

const statefulSetCounts = ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'];

export function validateStatefulSetStatus(sts: StatefulSet, old: StatefulSet): FieldError[] {
  return [
    ...validateReplicaCounts(sts.status, statefulSetCounts, statefulSetCounts, 'status.readyReplicas'),
    ...validateCollisionCountUpdate(sts.status, old.status),
  ];
}
