// Discovery, version and OpenAPI documents: what kubectl and client libraries read before
// anything else to learn which resources exist, their short names and verbs, and whether the
// server validates fields itself (then kubectl skips its own schema download).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceInfo, servedResources } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { writeJson } from './http-io.js';
import type { DiscoveryRequest } from './request-info.js';
import { strategyFor } from './strategies/strategy-catalogue.js';

export const kubernetesVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0-kubelab' };

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Subresources this server serves, with the kind and verbs discovery advertises for each. */
const subresourceDiscovery: Record<
  string,
  { verbs: string[]; kind?: string; group?: string; version?: string }
> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
  binding: { verbs: ['create'], kind: 'Binding' },
  eviction: { verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' },
  log: { verbs: ['get'] },
  exec: { verbs: ['create', 'get'], kind: 'PodExecOptions' },
  token: { verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' },
};

function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of servedResources) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function apiVersionsDoc(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(group: string) {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${gv.group}/${gv.version}`, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** metrics.k8s.io (metrics-api.ts): read-only NodeMetrics and PodMetrics, as metrics-server's. */
const metricsGroup = {
  name: 'metrics.k8s.io',
  versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
  preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
};

const metricsResources = [
  { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
  { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
];

export function apiGroupListDoc() {
  const groups = [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups.map(groupDoc), metricsGroup] };
}

export function apiGroupDoc(group: string) {
  if (group === metricsGroup.name) return { kind: 'APIGroup', apiVersion: 'v1', ...metricsGroup };
  const doc = groupDoc(group);
  return doc.versions.length ? { kind: 'APIGroup', apiVersion: 'v1', ...doc } : undefined;
}

export function apiResourceListDoc(group: string, version: string) {
  if (group === metricsGroup.name && version === 'v1beta1')
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'metrics.k8s.io/v1beta1',
      resources: metricsResources,
    };
  const inGv = servedResources.filter((r) => r.group === group && r.version === version);
  if (inGv.length === 0) return undefined;
  const list: object[] = [];
  for (const r of inGv) {
    list.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.virtual ? ['create'] : verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const d = subresourceDiscovery[sub];
      if (!d) continue;
      list.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: d.kind ?? r.kind,
        ...(d.group ? { group: d.group, version: d.version } : {}),
        verbs: d.verbs,
      });
    }
    if (!r.virtual && strategyFor(r).finalize) {
      list.push({
        name: `${r.plural}/finalize`,
        singularName: '',
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: list,
  };
}

export function versionDoc() {
  return {
    ...kubernetesVersion,
    gitCommit: 'kubelab',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'kubelab',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

// --- OpenAPI v3 ------------------------------------------------------------------------------
// kubelab publishes only the part of the OpenAPI documents clients use to decide behaviour:
// every path with its operations, the group-version-kind extension, and the query parameters
// (notably `fieldValidation`, which tells kubectl the server validates fields itself).

const queryParams = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiV3RootDoc() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions()) {
    const p = gvPath(gv.group, gv.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=kubelab` };
  }
  return { paths };
}

function operations(r: ResourceInfo) {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const op = (action: string) => ({
    operationId: `${action}${r.kind}`,
    parameters: queryParams,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  return { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
}

export function openApiV3GroupVersionDoc(path: string) {
  const gv = groupVersions().find((x) => gvPath(x.group, x.version) === path.replace(/^\/+/, ''));
  if (!gv) return undefined;
  const paths: Record<string, object> = {};
  for (const r of servedResources.filter(
    (x) => !x.virtual && x.group === gv.group && x.version === gv.version,
  )) {
    const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[`${base}/{name}`] = operations(r);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: kubernetesVersion.gitVersion },
    paths,
    components: { schemas: {} },
  };
}

/** Serves the discovery and OpenAPI document a path names; any other path is 404. */
export function serveDiscovery(req: IncomingMessage, res: ServerResponse, info: DiscoveryRequest): void {
  const clean = info.path.replace(/\/+$/, '');
  let doc: unknown;
  if (clean === '/api') doc = apiVersionsDoc(req.headers.host ?? 'localhost:6443');
  else if (clean === '/apis') doc = apiGroupListDoc();
  else if (clean.startsWith('/api/') || clean.startsWith('/apis/')) {
    if (info.version) doc = apiResourceListDoc(info.group ?? '', info.version);
    else if (info.group) doc = apiGroupDoc(info.group);
  } else if (clean === '/openapi/v3') doc = openApiV3RootDoc();
  else if (clean.startsWith('/openapi/v3/'))
    doc = openApiV3GroupVersionDoc(clean.slice('/openapi/v3/'.length));
  else if (clean === '')
    doc = {
      paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version', '/openapi/v3'],
    };
  if (doc === undefined)
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  writeJson(res, 200, doc);
}
