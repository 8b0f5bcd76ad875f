// Virtual, create-only resources (ResourceInfo.virtual): kube's reviews. A POST is answered by
// a function of the body and the caller that returns the object's status; nothing is stored,
// no other verb is served, and the answer echoes the request with that status, as kube does.
// Adding one (TokenReview) is a row in src/api/resources.ts and an entry in the map given to
// the handlers (assemble.ts).
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceInfo } from '../api/resources.js';
import { statusErrors } from '../api/status-error.js';
import type { UserInfo } from './authn.js';
import { writeJson } from './http-io.js';
import type { ResourceRequest } from './request-info.js';

/** What a virtual create's function gets: the decoded body, the caller and the request. */
export type VirtualCreate = (
  body: VirtualObject,
  user: UserInfo,
  info: ResourceRequest,
) => unknown | Promise<unknown>;

export interface VirtualObject {
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}

export type VirtualCreates = ReadonlyMap<ResourceInfo, VirtualCreate>;

export async function serveVirtualCreate(
  res: ServerResponse,
  info: ResourceRequest,
  body: unknown,
  user: UserInfo,
  creates: VirtualCreates,
): Promise<void> {
  const r = info.resource;
  const create = creates.get(r);
  if (info.verb !== 'create' || info.name || info.subresource || !create)
    throw statusErrors.methodNotAllowed('the server does not allow this method on the requested resource');
  const object = (body && typeof body === 'object' ? body : {}) as VirtualObject;
  const status = await create(object, user, info);
  writeJson(res, 201, {
    kind: r.kind,
    apiVersion: apiVersionOf(r),
    metadata: { ...object.metadata, creationTimestamp: null },
    ...(object.spec ? { spec: object.spec } : {}),
    status,
  });
}
