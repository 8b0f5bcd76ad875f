// The one error type that crosses the API boundary. Every failure the API server reports is
// a Kubernetes `Status` object with the same `reason` and `code` kube-apiserver would use, so
// kubectl and client libraries understand it; the client rebuilds a StatusError from it.
import type { FieldError } from './field-errors.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Timeout'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Expired';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  /** ListMeta: an expired continue token's answer carries the token for the rest of the list. */
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    readonly listMeta?: { continue?: string },
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): StatusObject {
    const s: StatusObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.listMeta ?? {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }

  static fromStatus(s: Partial<StatusObject>, httpCode: number): StatusError {
    return new StatusError(
      s.code ?? httpCode,
      s.reason ?? 'InternalError',
      s.message ?? `HTTP ${httpCode}`,
      s.details,
    );
  }
}

/** Identifies a resource in error messages the way kube-apiserver does: `deployments.apps "web"`. */
export interface ErrorTarget {
  group: string;
  /** Plural resource name, e.g. `deployments`; for Invalid errors the Kind is used instead. */
  resource: string;
  kind?: string;
  name?: string;
}

function qualified(t: ErrorTarget): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

export const statusErrors = {
  notFound: (t: ErrorTarget) =>
    new StatusError(404, 'NotFound', `${qualified(t)} "${t.name ?? ''}" not found`, {
      name: t.name,
      group: t.group,
      kind: t.resource,
    }),
  alreadyExists: (t: ErrorTarget) =>
    new StatusError(409, 'AlreadyExists', `${qualified(t)} "${t.name ?? ''}" already exists`, {
      name: t.name,
      group: t.group,
      kind: t.resource,
    }),
  conflict: (t: ErrorTarget, why: string) =>
    new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(t)} "${t.name ?? ''}": ${why}`,
      { name: t.name, group: t.group, kind: t.resource },
    ),
  invalid: (t: ErrorTarget & { kind: string }, errors: FieldError[]) => {
    const qualifiedKind = t.group ? `${t.kind}.${t.group}` : t.kind;
    const list = errors.map((e) => `${e.field}: ${e.message}`);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new StatusError(422, 'Invalid', `${qualifiedKind} "${t.name ?? ''}" is invalid: ${summary}`, {
      name: t.name,
      group: t.group,
      kind: t.kind,
      causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
    });
  },
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  unauthorized: () => new StatusError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new StatusError(403, 'Forbidden', message),
  methodNotAllowed: (message: string) => new StatusError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new StatusError(406, 'NotAcceptable', message),
  gone: (message: string) => new StatusError(410, 'Expired', message),
  tooLarge: (message: string) => new StatusError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (message: string) => new StatusError(415, 'UnsupportedMediaType', message),
  timeout: (message: string) => new StatusError(504, 'Timeout', message),
  internal: (message: string) => new StatusError(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new StatusError(503, 'ServiceUnavailable', message),
};

/** Any thrown value as the Status a client gets: a StatusError as it is, else InternalError. */
export function asStatusError(e: unknown): StatusError {
  return e instanceof StatusError ? e : statusErrors.internal((e as Error)?.message ?? String(e));
}
