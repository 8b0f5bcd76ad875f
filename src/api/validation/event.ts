// Event rules as core/v1 applies them (legacy validation): an event lives in its involved
// object's namespace; new-style events (with eventTime) also name their reporter.

import type { Event } from 'kubernetes-types/core/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isQualifiedName } from '../label-rules.js';

const notMatching = 'does not match event.namespace';

export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? '';
  const involvedNs = ev.involvedObject?.namespace ?? '';
  const nsPath = FieldPath.root('involvedObject').child('namespace');
  if (!ev.eventTime) {
    // Events about cluster-scoped objects may live in "default" for old clients' sake.
    const ok = involvedNs ? ns === involvedNs : ns === '' || ns === 'default';
    if (!ok) errs.push(fieldErrors.invalid(nsPath, involvedNs, notMatching));
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system')
      errs.push(fieldErrors.invalid(nsPath, involvedNs, notMatching));
    const rc = FieldPath.root('reportingComponent');
    if (!ev.reportingComponent) errs.push(fieldErrors.required(rc, ''));
    errs.push(
      ...isQualifiedName(ev.reportingComponent ?? '').map((m) =>
        fieldErrors.invalid(rc, ev.reportingComponent ?? '', m),
      ),
    );
    const limits: [keyof Event, number, boolean][] = [
      ['reportingInstance', 128, true],
      ['action', 128, true],
      ['reason', 128, true],
      ['message', 4 * 1024, false],
    ];
    for (const [key, max, required] of limits) {
      const v = (ev[key] as string | undefined) ?? '';
      const p = FieldPath.root(key);
      if (required && !v) errs.push(fieldErrors.required(p, ''));
      if (v.length > max) errs.push(fieldErrors.invalid(p, '', `can have at most ${max} characters`));
    }
  }
  return errs;
}
