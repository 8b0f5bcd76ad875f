// batch/v1 defaulting (pkg/apis/batch/v1/defaults.go) and the Job selector the registry
// generates at creation: pods get the Job's uid and name as labels, and the selector picks
// them by uid so no two Jobs can ever adopt each other's pods.

import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import {
  controllerUidLabel,
  jobNameLabel,
  legacyControllerUidLabel,
  legacyJobNameLabel,
} from '../validation/batch.js';
import { defaultPodTemplateSpec } from './pod.js';

function generateJobSelector(job: Job): void {
  const uid = job.metadata?.uid;
  const spec = job.spec;
  if (!uid || !spec || spec.manualSelector) return;
  spec.template ??= {};
  const template = spec.template;
  template.metadata ??= {};
  template.metadata.labels ??= {};
  const labels = template.metadata.labels;
  const name = job.metadata?.name ?? '';
  for (const key of [legacyJobNameLabel, jobNameLabel]) labels[key] ??= name;
  for (const key of [legacyControllerUidLabel, controllerUidLabel]) labels[key] ??= uid;
  spec.selector ??= {};
  const selector = spec.selector;
  selector.matchLabels ??= {};
  const matchLabels = selector.matchLabels;
  matchLabels[controllerUidLabel] ??= uid;
}

export function defaultJob(job: Job): void {
  job.spec ??= {} as NonNullable<Job['spec']>;
  const spec = job.spec;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  spec.completionMode ||= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ||= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  generateJobSelector(job);
  // The Job takes its template's labels when it has none of its own.
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata?.labels ?? {}).length === 0) {
    job.metadata ??= {};
    job.metadata.labels = { ...templateLabels };
  }
  defaultPodTemplateSpec(spec.template);
}

export function defaultCronJob(cj: CronJob): void {
  cj.spec ??= {} as NonNullable<CronJob['spec']>;
  const spec = cj.spec;
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodTemplateSpec(spec.jobTemplate?.spec?.template);
}
