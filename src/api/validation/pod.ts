// Pod create, update and status rules. A running pod's spec is almost frozen: only images,
// activeDeadlineSeconds (downwards), added tolerations and a negative grace period set to 1
// may change; everything else needs a new pod, and the error says which fields differed.

import type { Container, Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../deep-equal.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { inclusiveRangeError, isValidIP, validateNodeName } from '../names.js';
import { validatePodSpec, validateTolerations } from './pod-spec.js';

const maxInt32 = 2147483647;
const specPath = FieldPath.root('spec');
const statusPath = FieldPath.root('status');

export function validatePodSpecRules(pod: Pod): FieldError[] {
  return validatePodSpec(pod.spec, specPath);
}

/** Fields only the ephemeralcontainers subresource and the scheduler may fill in later. */
export function validatePodCreateOnly(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  if ((pod.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(fieldErrors.forbidden(specPath.child('ephemeralContainers'), 'cannot be set on create'));
  }
  if (pod.spec?.nodeName && (pod.spec.schedulingGates ?? []).length > 0) {
    errs.push(
      fieldErrors.forbidden(
        specPath.child('nodeName'),
        'cannot be set until all schedulingGates have been cleared',
      ),
    );
  }
  return errs;
}

function validateContainerUpdates(
  next: Container[] | undefined,
  prev: Container[] | undefined,
  path: FieldPath,
): { errs: FieldError[]; stop: boolean } {
  const n = next ?? [];
  if (n.length !== (prev ?? []).length) {
    return {
      errs: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')],
      stop: true,
    };
  }
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    if (!c.image) errs.push(fieldErrors.required(path.index(i).child('image'), ''));
    if (c.image && c.image.trim() !== c.image) {
      errs.push(
        fieldErrors.invalid(
          path.index(i).child('image'),
          c.image,
          'must not have leading or trailing whitespace',
        ),
      );
    }
  });
  return { errs, stop: false };
}

function validateOnlyAddedTolerations(
  next: Toleration[] | undefined,
  prev: Toleration[] | undefined,
  path: FieldPath,
): FieldError[] {
  for (const old of prev ?? []) {
    const kept = (next ?? []).some((t) => deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept)
      return [
        fieldErrors.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds'),
      ];
  }
  return validateTolerations(next, path);
}

/** Paths where two JSON values differ, to tell a person which frozen field they touched. */
function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => {
      diffPaths(v, b[i], `${path}[${i}]`, out);
    });
    return;
  }
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)]))
      diffPaths(ao[k], bo[k], `${path}.${k}`, out);
    return;
  }
  out.push(path);
}

const podUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The update-only rules; the spec itself is validated as on create. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const next = pod.spec ?? ({} as PodSpec);
  const prev = old.spec ?? ({} as PodSpec);

  for (const key of ['containers', 'initContainers'] as const) {
    const r = validateContainerUpdates(next[key], prev[key], specPath.child(key));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }

  const ads = specPath.child('activeDeadlineSeconds');
  if (next.activeDeadlineSeconds != null) {
    if (next.activeDeadlineSeconds < 0 || next.activeDeadlineSeconds > maxInt32) {
      errs.push(fieldErrors.invalid(ads, next.activeDeadlineSeconds, inclusiveRangeError(0, maxInt32)));
      return errs;
    }
    if (prev.activeDeadlineSeconds != null && prev.activeDeadlineSeconds < next.activeDeadlineSeconds) {
      errs.push(
        fieldErrors.invalid(ads, next.activeDeadlineSeconds, 'must be less than or equal to previous value'),
      );
      return errs;
    }
  } else if (prev.activeDeadlineSeconds != null) {
    errs.push(fieldErrors.invalid(ads, null, 'must not update from a positive integer to nil value'));
  }

  errs.push(
    ...validateOnlyAddedTolerations(next.tolerations, prev.tolerations, specPath.child('tolerations')),
  );

  const withOldImages = (cs: Container[] | undefined, olds: Container[] | undefined) =>
    cs?.map((c, i) => ({ ...c, image: olds?.[i]?.image }));
  const munged: PodSpec = {
    ...next,
    containers: withOldImages(next.containers, prev.containers) ?? [],
    initContainers: withOldImages(next.initContainers, prev.initContainers),
    activeDeadlineSeconds: prev.activeDeadlineSeconds,
    tolerations: prev.tolerations,
    schedulingGates: prev.schedulingGates,
  };
  if (
    prev.terminationGracePeriodSeconds != null &&
    prev.terminationGracePeriodSeconds < 0 &&
    munged.terminationGracePeriodSeconds === 1
  ) {
    munged.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  }
  if (!deepEqual(munged, prev)) {
    const changed: string[] = [];
    diffPaths(prev, munged, 'spec', changed);
    errs.push(
      fieldErrors.forbidden(
        specPath,
        `${podUpdateMessage}\n${changed.map((p) => `  ${p}: changed`).join('\n')}`,
      ),
    );
  }
  return errs;
}

export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) {
    errs.push(fieldErrors.forbidden(statusPath.child('nodeName'), 'may not be changed directly'));
  }
  const nominated = pod.status?.nominatedNodeName;
  if (nominated && nominated !== old.status?.nominatedNodeName) {
    for (const m of validateNodeName(nominated, false))
      errs.push(fieldErrors.invalid(statusPath.child('nominatedNodeName'), nominated, m));
  }
  // A container of a pod that never restarts cannot come back to life once terminated.
  const policy = old.spec?.restartPolicy;
  if (policy !== 'Always') {
    const path = statusPath.child('containerStatuses');
    (old.status?.containerStatuses ?? []).forEach((prev) => {
      const term = prev.state?.terminated;
      if (!term || (policy === 'OnFailure' && term.exitCode !== 0)) return;
      (pod.status?.containerStatuses ?? []).forEach((cs, i) => {
        if (cs.name === prev.name && !cs.state?.terminated) {
          errs.push(
            fieldErrors.forbidden(
              path.index(i).child('state'),
              'may not be transitioned to non-terminated state',
            ),
          );
        }
      });
    });
  }
  (pod.status?.podIPs ?? []).forEach((ip, i) => {
    const p = statusPath.child('podIPs').index(i).child('ip');
    errs.push(...isValidIP(ip.ip ?? '').map((m) => fieldErrors.invalid(p, ip.ip ?? '', m)));
  });
  if (pod.status?.podIP && !(pod.status.podIPs ?? []).length) {
    errs.push(
      ...isValidIP(pod.status.podIP).map((m) =>
        fieldErrors.invalid(statusPath.child('podIP'), pod.status!.podIP, m),
      ),
    );
  }
  if (pod.status?.hostIP) {
    errs.push(
      ...isValidIP(pod.status.hostIP).map((m) =>
        fieldErrors.invalid(statusPath.child('hostIP'), pod.status!.hostIP, m),
      ),
    );
  }
  return errs;
}
