// Turns a request URL into what it asks for, as kube-apiserver's RequestInfoFactory does:
// which group/version/resource, namespace, name, subresource, and the verb (get vs list vs
// watch, delete vs deletecollection). Everything after routing works on this, never on paths.
import { type ResourceInfo, resourceByPlural } from '../api/resources.js';
import { statusErrors } from '../api/status-error.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  kind: 'resource';
  verb: Verb;
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
}

export interface DiscoveryRequest {
  kind: 'discovery';
  path: string;
  group?: string;
  version?: string;
  query: URLSearchParams;
}

export type RequestInfo = ResourceRequest | DiscoveryRequest;

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === '1' || w === 'true';
}

export function parseRequestInfo(method: string, rawUrl: string): RequestInfo {
  const url = new URL(rawUrl, 'https://kubelab.invalid');
  const parts = url.pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const query = url.searchParams;

  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (parts[0] === 'api') {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { kind: 'discovery', path: url.pathname, query };
  }
  if (!version || rest.length === 0) {
    return { kind: 'discovery', path: url.pathname, group: group || undefined, version, query };
  }

  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}... addresses a namespaced resource; /namespaces/{name}[/sub]
  // addresses the Namespace object itself.
  const namespaceSubresource =
    group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const resource = plural ? resourceByPlural(group, version, plural) : undefined;
  if (!resource) {
    throw statusErrors.notFound({ group, resource: plural ?? '', name: '' });
  }
  if (extra.length > 0) throw statusErrors.notFound({ group, resource: plural ?? '', name });
  if (namespace !== undefined && !resource.namespaced) {
    throw statusErrors.notFound({ group, resource: resource.plural, name });
  }

  const m = method.toUpperCase();
  let verb: Verb;
  if (m === 'GET' || m === 'HEAD')
    verb = name ? (isWatch(query) ? 'watch' : 'get') : isWatch(query) ? 'watch' : 'list';
  else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = 'patch';
  else if (m === 'DELETE') verb = name ? 'delete' : 'deletecollection';
  else throw statusErrors.methodNotAllowed(`the server does not allow this method on the requested resource`);

  return { kind: 'resource', verb, resource, namespace, name, subresource, query };
}
