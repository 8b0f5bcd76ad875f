// The 403 every authorizer and admission check answers with, in kube's words:
// `pods "web" is forbidden: User "x" cannot update resource "pods" in API group "" in the
// namespace "a"[: reason]`.
import { StatusError } from '../api/status-error.js';
import type { UserInfo } from './authn.js';
import type { ResourceRequest } from './request-info.js';

export function forbidden(user: UserInfo, info: ResourceRequest, why?: string): StatusError {
  const r = info.resource;
  const resource = info.subresource ? `${r.plural}/${info.subresource}` : r.plural;
  const target = info.name ? `${r.group ? `${r.plural}.${r.group}` : r.plural} "${info.name}"` : r.plural;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  return new StatusError(
    403,
    'Forbidden',
    `${target} is forbidden: User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${r.group}" ${scope}${why ? `: ${why}` : ''}`,
    { name: info.name, group: r.group, kind: r.plural },
  );
}
