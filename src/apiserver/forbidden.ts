// The 403 every authorizer and admission check answers with, in kube's words:
// `pods "web" is forbidden: User "x" cannot update resource "pods" in API group "" in the
// namespace "a"[: reason]`, or `forbidden: User "x" cannot get path "/metrics"`. RBAC gives no
// reason for a plain denial; the node authorizer and NodeRestriction say what was missing.
import { StatusError } from '../api/status-error.js';
import type { UserInfo } from './authn.js';
import type { RequestAttributes } from './rbac/rule-match.js';
import type { ResourceRequest } from './request-info.js';

/** What a resource request asks for, in the authorizers' terms. */
export function attributesOf(info: ResourceRequest): RequestAttributes {
  return {
    kind: 'resource',
    verb: info.verb,
    apiGroup: info.resource.group,
    resource: info.resource.plural,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

export function forbiddenError(user: UserInfo, attrs: RequestAttributes, why?: string): StatusError {
  const reason = why ? `: ${why}` : '';
  if (attrs.kind === 'nonResource')
    return new StatusError(
      403,
      'Forbidden',
      `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"${reason}`,
    );
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const target = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return new StatusError(
    403,
    'Forbidden',
    `${target} is forbidden: User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${scope}${reason}`,
    { name: attrs.name, group: attrs.apiGroup, kind: attrs.resource },
  );
}

export function forbidden(user: UserInfo, info: ResourceRequest, why?: string): StatusError {
  return forbiddenError(user, attributesOf(info), why);
}
