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

/**
 * A create-only review (TokenReview): answered from its body for the caller, never stored, so
 * it has no row in the resource catalogue (which holds stored kinds).
 */
export interface ReviewRequest {
  kind: 'review';
  verb: 'create';
  review: ReviewResource;
  query: URLSearchParams;
}

export interface ReviewResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

export const reviewResources: readonly ReviewResource[] = [
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews' },
];

export type RequestInfo =
  | ResourceRequest
  | DiscoveryRequest
  | ExtensionRequest
  | ReviewRequest
  | UnservedRequest;

const baseUrl = 'https://kubelab.invalid';
export const joinApiPrefix = '/apis/join.kubelab.dev/v1/';
const metricsApiPrefix = '/apis/metrics.k8s.io/v1beta1/';

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === '1' || w === 'true';
}

/** Classifies any request; unlike parseRequestInfo it never throws. */
export function resolveRequest(method: string, rawUrl: string): RequestInfo {
  const url = new URL(rawUrl, baseUrl);
  const path = url.pathname;
  if (path.startsWith(joinApiPrefix))
    return { kind: 'join', rest: path.slice(joinApiPrefix.length), query: url.searchParams };
  // The bare prefix is metrics.k8s.io's discovery document.
  if (path.startsWith(metricsApiPrefix) && path.length > metricsApiPrefix.length)
    return { kind: 'metrics', rest: path.slice(metricsApiPrefix.length), query: url.searchParams };
  const review = reviewResources.find((r) => path === `/apis/${r.group}/${r.version}/${r.plural}`);
  if (review) {
    if (method.toUpperCase() === 'POST')
      return { kind: 'review', verb: 'create', review, query: url.searchParams };
    return {
      kind: 'unserved',
      error: statusErrors.methodNotAllowed(`${review.plural} can only be created`),
      query: url.searchParams,
    };
  }
  try {
    return parseRequestInfo(method, rawUrl);
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    return { kind: 'unserved', error: e, query: url.searchParams };
  }
}

/** Parses a request for the resource catalogue or discovery; throws NotFound for anything else. */
export function parseRequestInfo(method: string, rawUrl: string): ResourceRequest | DiscoveryRequest {
  const url = new URL(rawUrl, baseUrl);
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
