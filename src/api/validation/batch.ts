// batch/v1 validation (pkg/apis/batch/validation): Job and CronJob specs, the Job's
// generated selector, what a Job update may change, and the CronJob schedule.

import type { CronJob, Job, JobSpec, JobTemplateSpec } from 'kubernetes-types/batch/v1.js';
import { cronScheduleError } from '../cron-schedule.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { validateImmutableField, validateNonnegativeField } from './object-meta.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { validateSelectorMatchesTemplate } from './workload.js';

const specPath = FieldPath.root('spec');
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
export const legacyControllerUidLabel = 'controller-uid';
export const legacyJobNameLabel = 'job-name';

/** The rules shared by a Job's spec and a CronJob's jobTemplate.spec. */
function validateJobSpecCommon(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
  ] as const) {
    const v = spec[key];
    if (v != null) errs.push(...validateNonnegativeField(v, path.child(key)));
  }
  if (spec.completionMode != null) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(
        fieldErrors.notSupported(path.child('completionMode'), spec.completionMode, [
          'NonIndexed',
          'Indexed',
        ]),
      );
    }
    if (spec.completionMode === 'Indexed' && spec.completions == null) {
      errs.push(fieldErrors.required(path.child('completions'), 'when completion mode is Indexed'));
    }
  }
  const templatePath = path.child('template');
  errs.push(...validatePodTemplateSpec(spec.template, templatePath));
  const restart = spec.template?.spec?.restartPolicy ?? '';
  const restartPath = templatePath.child('spec').child('restartPolicy');
  if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(fieldErrors.notSupported(restartPath, restart, ['OnFailure', 'Never']));
  } else if (restart === 'OnFailure' && spec.podFailurePolicy) {
    errs.push(
      fieldErrors.invalid(
        restartPath,
        restart,
        'only "Never" is supported when podFailurePolicy is specified',
      ),
    );
  }
  return errs;
}

export function validateJobSpec(job: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec);
  const errs = validateJobSpecCommon(spec, specPath);
  errs.push(...validateSelectorMatchesTemplate(spec, specPath, undefined));
  errs.push(...validateGeneratedSelector(job));
  return errs;
}

/** When the API server generated the selector (it needs the uid), it must still be the generated one. */
function validateGeneratedSelector(job: Job): FieldError[] {
  const uid = job.metadata?.uid;
  const spec = job.spec;
  if (!uid || !spec || spec.manualSelector || !spec.template?.metadata?.labels || !spec.selector) return [];
  const errs: FieldError[] = [];
  const labels = spec.template.metadata.labels;
  const labelsPath = specPath.child('template').child('metadata').child('labels');
  for (const key of [controllerUidLabel, legacyControllerUidLabel]) {
    if (labels[key] !== uid) errs.push(fieldErrors.invalid(labelsPath, labels, `must be '${key}=${uid}'`));
  }
  if (spec.selector.matchLabels?.[controllerUidLabel] !== uid) {
    errs.push(
      fieldErrors.invalid(specPath.child('selector'), spec.selector, '`selector` not auto-generated'),
    );
  }
  return errs;
}

export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec);
  const prev = old.spec ?? ({} as JobSpec);
  const errs: FieldError[] = [];
  if (spec.completionMode === 'Indexed') {
    if (
      spec.completions != null &&
      spec.completions !== prev.completions &&
      spec.completions !== spec.parallelism
    ) {
      errs.push(
        fieldErrors.invalid(
          specPath.child('completions'),
          spec.completions,
          'can only be modified in tandem with spec.parallelism',
        ),
      );
    }
  } else {
    errs.push(...validateImmutableField(spec.completions, prev.completions, specPath.child('completions')));
  }
  errs.push(...validateImmutableField(spec.selector, prev.selector, specPath.child('selector')));
  // A suspended Job that never started may still have its scheduling directives changed.
  let oldTemplate = prev.template;
  if (prev.suspend && !old.status?.startTime && oldTemplate) {
    const t = spec.template;
    oldTemplate = {
      ...oldTemplate,
      metadata: {
        ...oldTemplate.metadata,
        labels: t?.metadata?.labels,
        annotations: t?.metadata?.annotations,
      },
      spec: {
        ...oldTemplate.spec!,
        nodeSelector: t?.spec?.nodeSelector,
        tolerations: t?.spec?.tolerations,
        schedulingGates: t?.spec?.schedulingGates,
        affinity: t?.spec?.affinity?.nodeAffinity
          ? { ...oldTemplate.spec?.affinity, nodeAffinity: t.spec.affinity.nodeAffinity }
          : oldTemplate.spec?.affinity,
      },
    };
  }
  errs.push(...validateImmutableField(spec.template, oldTemplate, specPath.child('template')));
  errs.push(
    ...validateImmutableField(spec.completionMode, prev.completionMode, specPath.child('completionMode')),
  );
  errs.push(
    ...validateImmutableField(
      spec.podFailurePolicy,
      prev.podFailurePolicy,
      specPath.child('podFailurePolicy'),
    ),
  );
  errs.push(
    ...validateImmutableField(
      spec.backoffLimitPerIndex,
      prev.backoffLimitPerIndex,
      specPath.child('backoffLimitPerIndex'),
    ),
  );
  return errs;
}

export function validateJobStatus(job: Job): FieldError[] {
  const s = job.status ?? {};
  const path = FieldPath.root('status');
  return (['active', 'succeeded', 'failed', 'ready', 'terminating'] as const).flatMap((k) =>
    validateNonnegativeField(s[k] ?? 0, path.child(k)),
  );
}

// ---- CronJob ----

/** The cronjob controller names jobs `<cronjob>-<11 chars>`, and job names are at most 63. */
export const maxCronJobNameLength = 52;

function validateJobTemplateSpec(t: JobTemplateSpec | undefined, path: FieldPath): FieldError[] {
  const spec = t?.spec ?? ({} as JobSpec);
  const errs = validateJobSpecCommon(spec, path.child('spec'));
  if (spec.selector)
    errs.push(
      fieldErrors.invalid(
        path.child('spec').child('selector'),
        spec.selector,
        '`selector` will be auto-generated',
      ),
    );
  if (spec.manualSelector)
    errs.push(
      fieldErrors.notSupported(path.child('spec').child('manualSelector'), spec.manualSelector, [
        'nil',
        'false',
      ]),
    );
  return errs;
}

export function validateCronJobSpec(cj: CronJob, old?: CronJob): FieldError[] {
  const spec = cj.spec ?? ({} as NonNullable<CronJob['spec']>);
  const errs: FieldError[] = [];
  const schedPath = specPath.child('schedule');
  if (!spec.schedule) errs.push(fieldErrors.required(schedPath, ''));
  else {
    const err = cronScheduleError(spec.schedule);
    if (err) errs.push(fieldErrors.invalid(schedPath, spec.schedule, err));
    const allowTZ = old?.spec?.schedule?.includes('TZ') ?? false;
    if (allowTZ && spec.schedule.includes('TZ') && spec.timeZone != null) {
      errs.push(
        fieldErrors.invalid(
          schedPath,
          spec.schedule,
          'cannot use both timeZone field and TZ or CRON_TZ in schedule',
        ),
      );
    } else if (!allowTZ && spec.schedule.includes('TZ')) {
      errs.push(
        fieldErrors.invalid(
          schedPath,
          spec.schedule,
          'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
        ),
      );
    }
  }
  if (spec.startingDeadlineSeconds != null) {
    errs.push(
      ...validateNonnegativeField(spec.startingDeadlineSeconds, specPath.child('startingDeadlineSeconds')),
    );
  }
  if (spec.timeZone != null && !isValidTimeZone(spec.timeZone)) {
    errs.push(
      fieldErrors.invalid(specPath.child('timeZone'), spec.timeZone, `unknown time zone ${spec.timeZone}`),
    );
  }
  const cp = specPath.child('concurrencyPolicy');
  if (!spec.concurrencyPolicy) errs.push(fieldErrors.required(cp, ''));
  else if (!['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) {
    errs.push(fieldErrors.notSupported(cp, spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  errs.push(...validateJobTemplateSpec(spec.jobTemplate, specPath.child('jobTemplate')));
  for (const key of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) {
    const v = spec[key];
    if (v != null) errs.push(...validateNonnegativeField(v, specPath.child(key)));
  }
  return errs;
}

function isValidTimeZone(tz: string): boolean {
  if (tz === '' || tz.toLowerCase() === 'local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function validateCronJobName(cj: CronJob): FieldError[] {
  const name = cj.metadata?.name ?? '';
  return name.length > maxCronJobNameLength
    ? [
        fieldErrors.invalid(
          FieldPath.root('metadata').child('name'),
          name,
          `must be no more than ${maxCronJobNameLength} characters`,
        ),
      ]
    : [];
}
