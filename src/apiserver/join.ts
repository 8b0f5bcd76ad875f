// Joining a node (kubeadm's bootstrap tokens + the kubelet's TLS bootstrap, with bearer
// tokens instead of client certificates):
//   1. an admin asks for a join token:  POST /apis/join.kubelab.dev/v1/jointokens
//      {"ttlSeconds": 3600} -> {"token": ..., "expiresAt": ...}; it authenticates as
//      `system:bootstrap` in `system:bootstrappers` and can do nothing else;
//   2. the agent exchanges it for its own credential:  POST .../nodecredentials
//      {"nodeName": "worker-1"} -> {"token": ..., "user": "system:node:worker-1"}.
// The node credential may change only that node's objects (node-authorizer.ts). Joining again
// replaces the node's earlier credential, so a re-provisioned machine never leaves a second one
// behind; but a join token cannot take over a node that exists and is Ready: that would revoke
// a working node's credential and hand its identity to whoever holds the token (409). Only an
// admin may replace a live node's credential.
// The same exchange hands people credentials (`kubelab kubeconfig --user`): an admin asks
//   POST .../usercredentials {"name": "jane"} -> {"token": ..., "user": "jane"}, a user with no
// groups beyond system:authenticated, whose rights are whatever RBAC binds to the name; and
//   DELETE .../usercredentials/jane withdraws it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node } from 'kubernetes-types/core/v1.js';
import { isDNS1123Subdomain } from '../api/names.js';
import { isNodeReady } from '../api/node-state.js';
import { resource } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import type { TokenAuthenticator, UserInfo } from './authn.js';
import { bootstrappersGroup, mastersGroup } from './authz.js';
import { parseJsonBody, readBody, writeJson } from './http-io.js';
import { serveKubeletServingCertificate } from './kubelet-serving-certs.js';
import { nodesGroup, nodeUserPrefix } from './node-authorizer.js';
import type { ClusterCa } from './pki.js';
import type { Registry } from './registry.js';
import { decodePathSegments, joinApiPrefix } from './request-info.js';

const defaultTtlSeconds = 3600;
const maxTtlSeconds = 24 * 3600;

function refuse(user: UserInfo, what: string): StatusError {
  return new StatusError(403, 'Forbidden', `User "${user.name}" cannot create ${what}`);
}

export async function serveJoin(
  req: IncomingMessage,
  res: ServerResponse,
  resource: string,
  user: UserInfo,
  tokens: TokenAuthenticator,
  registry: Registry,
  ca: ClusterCa,
): Promise<void> {
  if (resource.startsWith('usercredentials/') && req.method === 'DELETE') {
    if (!user.groups.includes(mastersGroup)) throw refuse(user, 'user credentials');
    const name = decodePathSegments(resource.slice('usercredentials/'.length)).join('/');
    await tokens.revoke(name);
    return writeJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      code: 200,
    });
  }
  if (req.method !== 'POST')
    throw statusErrors.methodNotAllowed(`${req.method} is not supported: POST to ${resource}`);
  const body = (parseJsonBody(await readBody(req, 64 * 1024), 'the request') ?? {}) as Record<
    string,
    unknown
  >;
  if (resource === 'jointokens') {
    if (!user.groups.includes(mastersGroup)) throw refuse(user, 'join tokens');
    const ttl = body.ttlSeconds === undefined ? defaultTtlSeconds : body.ttlSeconds;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > maxTtlSeconds)
      throw statusErrors.badRequest(
        `ttlSeconds: must be a whole number of seconds from 1 to ${maxTtlSeconds}`,
      );
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const token = await tokens.issue(
      { name: `system:bootstrap:${expiresAt.getTime().toString(36)}`, groups: [bootstrappersGroup] },
      { expiresAt },
    );
    return writeJson(res, 201, { token, expiresAt: expiresAt.toISOString() });
  }
  if (resource === 'nodecredentials') {
    if (!user.groups.includes(bootstrappersGroup) && !user.groups.includes(mastersGroup))
      throw refuse(user, 'node credentials (a join token is needed)');
    const nodeName = body.nodeName;
    if (typeof nodeName !== 'string' || isDNS1123Subdomain(nodeName).length > 0)
      throw statusErrors.badRequest('nodeName: must be a node name (a DNS-1123 subdomain, e.g. worker-1)');
    if (!user.groups.includes(mastersGroup)) await refuseLiveNode(registry, nodeName);
    const name = `${nodeUserPrefix}${nodeName}`;
    const token = await tokens.issue({ name, groups: [nodesGroup] }, { replace: true });
    return writeJson(res, 201, { token, user: name });
  }
  if (resource === 'usercredentials') {
    if (!user.groups.includes(mastersGroup)) throw refuse(user, 'user credentials');
    const name = body.name;
    // system: names are the platform's own identities (nodes, the control plane); a person
    // holding one would inherit their bindings.
    if (typeof name !== 'string' || name.trim() === '' || name !== name.trim() || name.startsWith('system:'))
      throw statusErrors.badRequest(
        'name: must be a user name (not empty, not starting with "system:"), e.g. jane',
      );
    const token = await tokens.issue({ name, groups: [] }, { replace: true });
    return writeJson(res, 201, { token, user: name });
  }
  if (resource === 'servingcertificates') return serveKubeletServingCertificate(res, body, user, ca);
  throw new StatusError(
    404,
    'NotFound',
    `the server could not find the requested resource (${joinApiPrefix}${resource})`,
  );
}

async function refuseLiveNode(registry: Registry, nodeName: string): Promise<void> {
  const node = (await registry.get(resource.nodes, undefined, nodeName).catch((e) => {
    if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
    throw e;
  })) as Node | undefined;
  if (node && isNodeReady(node))
    throw statusErrors.conflict(
      { resource: 'nodes', group: '', name: nodeName },
      `node "${nodeName}" already exists and is Ready, so a join token cannot replace its credential; join under another name, or remove the node first (kubectl delete node ${nodeName}) if this machine replaces it`,
    );
}
