// The query parameters of a list or a watch, parsed and checked before anything is answered,
// as kube-apiserver's handlers do (DecodeParameters, then ValidateListOptions): a value that
// does not parse is a 400 with Go's parse error, a combination kube forbids is a 422 on
// ListOptions.meta.k8s.io. A watch must fail here, not as an ERROR event inside a 200 stream
// the client has already taken for a working watch.
import { type FieldError, FieldPath, fieldErrors } from '../api/field-errors.js';
import { type FieldSelector, parseFieldSelector } from '../api/field-selector.js';
import { parseLabelSelector, type Selector } from '../api/labels.js';
import type { ResourceInfo } from '../api/resources.js';
import { statusErrors } from '../api/status-error.js';

export interface ObjectFilter {
  label?: Selector;
  field?: FieldSelector;
  /** A watch on one object (`GET .../pods/web?watch=1`). */
  name?: string;
}

function parseFilter(r: ResourceInfo, query: URLSearchParams): ObjectFilter {
  const filter: ObjectFilter = {};
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  try {
    if (ls) filter.label = parseLabelSelector(ls);
  } catch (e) {
    throw statusErrors.badRequest(`unable to parse requirement: ${(e as Error).message}`);
  }
  try {
    if (fs) filter.field = parseFieldSelector(fs, r.kind);
  } catch (e) {
    throw statusErrors.badRequest((e as Error).message);
  }
  return filter;
}

export interface ListOptions {
  filter: ObjectFilter;
  /** The revision asked for; undefined for "" and "0" (any, most recent). */
  resourceVersion?: number;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** 0: no limit. */
  limit: number;
  continue?: string;
  /** Watches only; undefined: the server's default. */
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
}

/** Go's strconv.ParseBool, which kube's parameter decoding uses. */
function parseBool(name: string, text: string | null): boolean | undefined {
  if (text === null || text === '') return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw statusErrors.badRequest(
    `${name}: strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`,
  );
}

/** Go's strconv.ParseInt (base 10, 64-bit). */
function parseInteger(name: string, text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (!/^[+-]?\d{1,18}$/.test(text))
    throw statusErrors.badRequest(
      `${name}: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`,
    );
  return Number(text);
}

/**
 * Revisions are unsigned integers. kube answers a malformed one with this message but code 500
 * (kubernetes/kubernetes#139485, fixed towards 400): it is the client's mistake, so 400 here.
 */
function parseResourceVersion(text: string): number | undefined {
  if (text === '' || text === '0') return undefined;
  if (!/^\d{1,15}$/.test(text))
    throw statusErrors.badRequest(
      `resourceVersion: Invalid value: ${JSON.stringify(text)}: strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`,
    );
  return Number(text);
}

const matchPath = FieldPath.root('resourceVersionMatch');
const initialEventsPath = FieldPath.root('sendInitialEvents');

/** kube's ValidateListOptions, for the parameters kubelab serves (it has no WatchList streaming). */
function validate(
  query: URLSearchParams,
  watch: boolean,
  sendInitialEvents: boolean | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const match = query.get('resourceVersionMatch') ?? '';
  const rv = query.get('resourceVersion') ?? '';
  const cont = query.get('continue') ?? '';
  if (watch) {
    if (sendInitialEvents !== undefined) {
      if (match !== 'NotOlderThan')
        errors.push(
          fieldErrors.forbidden(
            matchPath,
            'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
          ),
        );
      // client-go's reflector answers this refusal by falling back to list and watch.
      errors.push(
        fieldErrors.forbidden(
          initialEventsPath,
          'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
        ),
      );
    }
    if (match) {
      if (sendInitialEvents === undefined)
        errors.push(
          fieldErrors.forbidden(
            matchPath,
            'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
          ),
        );
      if (match !== 'NotOlderThan') errors.push(fieldErrors.notSupported(matchPath, match, ['NotOlderThan']));
      if (cont)
        errors.push(
          fieldErrors.forbidden(matchPath, 'resourceVersionMatch is forbidden when continue is provided'),
        );
    }
    return errors;
  }
  if (match) {
    if (!rv)
      errors.push(
        fieldErrors.forbidden(
          matchPath,
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
      );
    if (cont)
      errors.push(
        fieldErrors.forbidden(matchPath, 'resourceVersionMatch is forbidden when continue is provided'),
      );
    if (match !== 'Exact' && match !== 'NotOlderThan')
      errors.push(fieldErrors.notSupported(matchPath, match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && rv === '0')
      errors.push(
        fieldErrors.forbidden(matchPath, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
      );
  }
  if (sendInitialEvents !== undefined)
    errors.push(fieldErrors.forbidden(initialEventsPath, 'sendInitialEvents is forbidden for list'));
  return errors;
}

export function parseListOptions(r: ResourceInfo, query: URLSearchParams, watch: boolean): ListOptions {
  const rvText = query.get('resourceVersion') ?? '';
  const resourceVersion = parseResourceVersion(rvText);
  const limit = parseInteger('limit', query.get('limit')) ?? 0;
  const timeoutSeconds = parseInteger('timeoutSeconds', query.get('timeoutSeconds'));
  const allowWatchBookmarks = parseBool('allowWatchBookmarks', query.get('allowWatchBookmarks')) ?? false;
  const sendInitialEvents = parseBool('sendInitialEvents', query.get('sendInitialEvents'));
  const errors = validate(query, watch, sendInitialEvents);
  if (errors.length > 0)
    throw statusErrors.invalid({ group: 'meta.k8s.io', resource: '', kind: 'ListOptions' }, errors);
  const cont = query.get('continue') || undefined;
  // kube's etcd store refuses this combination: the token carries its own revision.
  if (!watch && cont && resourceVersion !== undefined)
    throw statusErrors.badRequest('specifying resource version is not allowed when using continue');
  const match = query.get('resourceVersionMatch');
  return {
    filter: parseFilter(r, query),
    resourceVersion,
    resourceVersionMatch: match === 'Exact' || match === 'NotOlderThan' ? match : undefined,
    limit: Math.max(0, limit),
    continue: cont,
    timeoutSeconds,
    allowWatchBookmarks,
  };
}
