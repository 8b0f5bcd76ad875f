// Impersonation (kube's WithImpersonation), after authentication: a caller sends
// `Impersonate-User` (and any `Impersonate-Group`, `Impersonate-Uid`, `Impersonate-Extra-*`)
// to act as someone else, as `kubectl --as=jane --as-group=devs` does. Each part needs the
// `impersonate` verb on it: `users`, `groups`, `serviceaccounts` (for
// system:serviceaccount:NS:NAME), `uids`, `userextras/KEY`, with the value as the name. The
// request then runs, authorization included, as the impersonated user, who is authenticated.
import { statusErrors } from '../../api/status-error.js';
import { authenticatedGroup, type UserInfo } from '../authn.js';
import { allowedByPolicy } from '../authz.js';
import { forbiddenError } from '../forbidden.js';
import type { RbacAuthorizer } from '../rbac/rbac-authorizer.js';
import { serviceAccountUser } from '../rbac/rule-match.js';
import { type Stage, userOf } from './handler-chain.js';

const serviceAccountPrefix = 'system:serviceaccount:';
const extraPrefix = 'impersonate-extra-';

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function impersonationStage(rbac: RbacAuthorizer): Stage {
  return async (ctx, next) => {
    const headers = ctx.req.headers;
    const name = headerValues(headers['impersonate-user'])[0];
    const groups = headerValues(headers['impersonate-group']);
    const uid = headerValues(headers['impersonate-uid'])[0];
    // No prototype: a header named impersonate-extra-__proto__ is just a key.
    const extra: Record<string, string[]> = Object.create(null);
    for (const [header, value] of Object.entries(headers))
      if (header.startsWith(extraPrefix))
        extra[extraKey(header.slice(extraPrefix.length))] = headerValues(value);
    if (name === undefined) {
      if (groups.length || uid || Object.keys(extra).length)
        throw statusErrors.badRequest(
          'requested impersonation of groups, a uid or extras without impersonating a user',
        );
      return next();
    }
    const caller = userOf(ctx);
    const check = (resource: string, target: string, namespace?: string) => {
      const attrs = {
        kind: 'resource',
        verb: 'impersonate',
        apiGroup: '',
        resource,
        name: target,
        namespace,
      } as const;
      if (!allowedByPolicy(caller, attrs, rbac)) throw forbiddenError(caller, attrs);
    };
    let impliedGroups: string[] = [];
    if (name.startsWith(serviceAccountPrefix)) {
      const [namespace, account] = name.slice(serviceAccountPrefix.length).split(':');
      if (!namespace || !account) throw statusErrors.badRequest(`${name} is not a ServiceAccount user name`);
      check('serviceaccounts', account, namespace);
      impliedGroups = serviceAccountUser(namespace, account).groups;
    } else check('users', name);
    for (const g of groups) check('groups', g);
    if (uid) check('uids', uid);
    for (const [key, values] of Object.entries(extra)) for (const v of values) check(`userextras/${key}`, v);
    const impersonated: UserInfo = {
      name,
      groups: [...new Set([...groups, ...impliedGroups, authenticatedGroup])],
      ...(uid ? { uid } : {}),
      ...(Object.keys(extra).length ? { extra } : {}),
    };
    ctx.user = impersonated;
    return next();
  };
}

/** An extra's key, percent-encoded in the header name as kube's clients send it. */
function extraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw statusErrors.badRequest(`invalid URL escape in the impersonation header key "${encoded}"`);
  }
}
