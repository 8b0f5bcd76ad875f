// Turns a request URL into what it asks for, as kube-apiserver's RequestInfoFactory does:
// which group/version/resource, namespace, name, subresource, and the verb (get vs list vs
// watch, delete vs deletecollection). Everything after the first stage of the handler chain
// works on this, never on paths.
import { type ResourceInfo, resourceByPlural } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';

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

/**
 * The APIs kubelab serves itself, beside the resource catalogue: joining a node (join.ts) and
 * metrics.k8s.io (metrics-api.ts). `rest` is the path after the API's prefix.
 */
export interface ExtensionRequest {
  kind: 'join' | 'metrics';
  rest: string;
  query: URLSearchParams;
}

/**
 * A path or method no handler serves. Its error is answered by the mux, after authentication,
 * so an anonymous caller learns nothing about which paths exist.
 */
export interface UnservedRequest {
  kind: 'unserved';
  error: StatusError;
  query: URLSearchParams;
}

export type RequestInfo = ResourceRequest | DiscoveryRequest | ExtensionRequest | UnservedRequest;

const baseUrl = 'https://kubelab.invalid';
export const joinApiPrefix = '/apis/join.kubelab.dev/v1/';
const metricsApiPrefix = '/apis/metrics.k8s.io/v1beta1/';

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === '1' || w === 'true';
}

/** The request target as a URL; one WHATWG URL refuses (e.g. `//a b`) is a 400, not a 500. */
function parseUrl(rawUrl: string): URL {
  try {
    return new URL(rawUrl, baseUrl);
  } catch {
    throw statusErrors.badRequest(`the request URL is not valid: ${JSON.stringify(rawUrl)}`);
  }
}

/**
 * A path's segments, percent-decoded. A malformed escape (`%zz`, a lone `%`, a split UTF-8
 * sequence) makes decodeURIComponent throw a URIError, which would surface as a 500; it is
 * the client's mistake, so it is a 400 naming the segment, as Go's URL parser refuses it.
 */
export function decodePathSegments(path: string): string[] {
  return path
    .split('/')
    .filter((p) => p !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw statusErrors.badRequest(
          `invalid URL escape in the request path segment ${JSON.stringify(segment)}: a % must start %XX, a UTF-8 byte in hex`,
        );
      }
    });
}

/** Classifies any request; unlike parseRequestInfo it never throws. */
export function resolveRequest(method: string, rawUrl: string): RequestInfo {
  let url: URL;
  try {
    url = parseUrl(rawUrl);
  } catch (e) {
    return { kind: 'unserved', error: e as StatusError, query: new URLSearchParams() };
  }
  const path = url.pathname;
  if (path.startsWith(joinApiPrefix))
    return { kind: 'join', rest: path.slice(joinApiPrefix.length), query: url.searchParams };
  // The bare prefix is metrics.k8s.io's discovery document.
  if (path.startsWith(metricsApiPrefix) && path.length > metricsApiPrefix.length)
    return { kind: 'metrics', rest: path.slice(metricsApiPrefix.length), query: url.searchParams };
  try {
    return parseRequestInfo(method, rawUrl);
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    return { kind: 'unserved', error: e, query: url.searchParams };
  }
}

/** Parses a request for the resource catalogue or discovery; throws NotFound for anything else. */
export function parseRequestInfo(method: string, rawUrl: string): ResourceRequest | DiscoveryRequest {
  const url = parseUrl(rawUrl);
  const parts = decodePathSegments(url.pathname);
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
