// HTTP verbs on resources: turns a parsed request into registry calls and answers in the
// representation the client asked for (plain objects, a meta.k8s.io Table for kubectl's
// server-side printing, or PartialObjectMetadata), with kube-apiserver's status codes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldErrors } from '../api/field-errors.js';
import { labelSelectorToString } from '../api/labels.js';
import { apiVersionOf, type ResourceInfo, resource } from '../api/resources.js';
import { checkSchema, fitsInteger, int64Bounds, schemaTypeForKind } from '../api/schema-check.js';
import { statusErrors } from '../api/status-error.js';
import type { Store } from '../store/store.js';
import type { UserInfo } from './authn.js';
import type { ContinueTokens } from './continue-token.js';
import { parseJsonBody, parseJsonDocument, readBody, requireJsonBody, writeJson } from './http-io.js';
import type { KubeletClient } from './kubelet-client.js';
import { type ListResponse, listObjects, serveWatch } from './list-watch.js';
import { nodeRestriction } from './node-restriction.js';
import type { ApiObject } from './object-meta.js';
import { applyPatch, patchFieldErrors, patchTypeFromContentType } from './patch.js';
import { servePodLog } from './pod-log-proxy.js';
import { decodeProtobufBody, protobufContentType } from './protobuf-body.js';
import {
  type DeleteOptions,
  decodeError,
  type FieldValidation,
  type Registry,
  target,
  type WriteOptions,
} from './registry.js';
import type { ResourceRequest } from './request-info.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { strategyFor } from './strategies/strategy-catalogue.js';
import { createToken } from './token-request.js';
import { serveVirtualCreate, type VirtualCreates } from './virtual-resources.js';

type Representation = 'object' | 'table' | 'metadata';

function representation(accept: string | undefined): Representation {
  const a = accept ?? '';
  if (/as=Table/.test(a)) return 'table';
  if (/as=PartialObjectMetadata/.test(a)) return 'metadata';
  return 'object';
}

const tableContentType = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export interface HandlerOptions {
  now: () => number;
  /** Signs the tokens serviceaccounts/token hands out. */
  serviceAccountTokens: ServiceAccountTokens;
  bookmarkIntervalMs: number;
  watchTimeoutMs: () => number;
  /**
   * Checks a write by its caller, on the object as it will be stored: RBAC's escalation
   * prevention. Throws to refuse. Run by the registry with NodeRestriction (callerAdmission).
   */
  checkWrite: (user: UserInfo, info: ResourceRequest, object: unknown) => void;
  /** The virtual kinds' answers (virtual-resources.ts). */
  virtualCreates: VirtualCreates;
  /** How pods/log reaches kubelets. */
  kubelets: KubeletClient;
  continueTokens: ContinueTokens;
  /** Events queued for a watcher whose connection is full before it is closed with 410. */
  watchQueueEvents: number;
  /** Counts watchers closed for not keeping up. */
  onWatcherTerminated(resource: ResourceInfo): void;
}

function writeOptions(
  info: ResourceRequest,
  user: UserInfo | undefined,
  checkWrite: HandlerOptions['checkWrite'],
): WriteOptions {
  const query = info.query;
  const fv = query.get('fieldValidation') ?? 'Strict';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw statusErrors.badRequest(`fieldValidation parameter unsupported: ${fv}; use Strict, Warn or Ignore`);
  }
  return {
    dryRun: query.getAll('dryRun').includes('All'),
    fieldValidation: fv as FieldValidation,
    warnings: [],
    admit: user && callerAdmission(user, info, checkWrite),
  };
}

/**
 * kube's warning header: `299 - "<text>"`, the text quoted as Go's strconv.Quote does, which
 * client-go and kubectl unquote (`duplicate field \"spec.paused\"`). Anything outside
 * printable ASCII is escaped too: a field name from the body may hold any character, and
 * Node refuses a header value with one above U+00FF (a 500 after the write succeeded).
 */
function warningHeaderValue(text: string): string {
  const quoted = JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `299 - ${quoted}`;
}

/**
 * Validating admission for this caller, run by the registry on every create, update and patch
 * result: NodeRestriction for nodes, then RBAC's escalation check for roles and bindings.
 */
function callerAdmission(
  user: UserInfo,
  info: ResourceRequest,
  checkWrite: HandlerOptions['checkWrite'],
): NonNullable<WriteOptions['admit']> {
  const restrictNode = nodeRestriction(user, info);
  return (obj, old) => {
    restrictNode?.(obj, old);
    checkWrite(user, info, obj);
  };
}

function setWarnings(res: ServerResponse, opts: WriteOptions): void {
  if (opts.warnings?.length) res.setHeader('Warning', opts.warnings.map(warningHeaderValue));
}

export class ResourceHandlers {
  private readonly podInfo = resource.pods;

  constructor(
    private readonly registry: Registry,
    private readonly store: Store,
    private readonly opts: HandlerOptions,
  ) {}

  /** `user`: the authenticated caller, for the checks that need the request body (a node's own objects). */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceRequest,
    user?: UserInfo,
  ): Promise<void> {
    const r = info.resource;
    const sub = info.subresource;
    if (r.virtual) {
      // A review answers about its caller: there is none before authentication.
      if (!user) throw statusErrors.unauthorized();
      const body = info.verb === 'create' ? await readCreateBody(req, info, {}) : undefined;
      return serveVirtualCreate(res, info, body, user, this.opts.virtualCreates);
    }
    if (sub && !this.servesSubresource(r, sub)) {
      throw statusErrors.notFound({ group: r.group, resource: `${r.plural}/${sub}`, name: info.name });
    }
    // exec is served only as an upgrade (server.ts); a plain request gets kube's answer.
    if (sub === 'exec') throw statusErrors.badRequest('Upgrade request required');
    if (sub === 'log' && info.verb === 'get')
      return servePodLog(res, this.registry, this.opts.kubelets, info.namespace!, info.name!, info.query);
    const rep = representation(req.headers.accept);
    switch (info.verb) {
      case 'get': {
        const obj = await this.registry.get(r, info.namespace, info.name!);
        if (sub === 'scale') return writeJson(res, 200, scaleOf(obj));
        return this.respond(res, 200, r, obj, rep, info.query);
      }
      case 'list':
        return this.respondList(
          res,
          r,
          await listObjects(this.store, r, info.namespace, info.query, this.opts.continueTokens),
          rep,
          info.query,
        );
      case 'watch':
        return serveWatch(req, res, {
          store: this.store,
          resource: r,
          namespace: info.namespace,
          name: info.name,
          query: info.query,
          plain: rep === 'object',
          encode: (obj, first) => this.represent(r, obj, rep, info.query, first),
          bookmarkIntervalMs: this.opts.bookmarkIntervalMs,
          defaultTimeoutMs: this.opts.watchTimeoutMs(),
          maxQueuedEvents: this.opts.watchQueueEvents,
          onTerminated: () => this.opts.onWatcherTerminated(r),
        });
      case 'create':
        return this.create(req, res, info, rep, user);
      case 'update':
        return this.update(req, res, info, rep, user);
      case 'patch':
        return this.patch(req, res, info, rep, user);
      case 'delete': {
        const options = await deleteOptions(req, info.query);
        const { object } = await this.registry.delete(r, info.namespace, info.name!, options);
        return this.respond(res, 200, r, object, rep, info.query);
      }
      case 'deletecollection': {
        const options = await deleteOptions(req, info.query);
        const list = await listObjects(this.store, r, info.namespace, info.query);
        const deleted: ApiObject[] = [];
        for (const item of list.items) {
          try {
            deleted.push(
              (await this.registry.delete(r, item.metadata.namespace, item.metadata.name!, options)).object,
            );
          } catch (e) {
            if (!(e instanceof Error && 'reason' in e && e.reason === 'NotFound')) throw e;
          }
        }
        return this.respondList(
          res,
          r,
          { items: deleted, resourceVersion: String(this.store.currentRevision()) },
          'object',
          info.query,
        );
      }
    }
  }

  private servesSubresource(r: ResourceInfo, sub: string): boolean {
    if (sub === 'finalize') return strategyFor(r).finalize !== undefined;
    return (['status', 'scale', 'binding', 'eviction', 'log', 'exec', 'token'] as const).some(
      (s) => s === sub && r.subresources.includes(s),
    );
  }

  private async create(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceRequest,
    rep: Representation,
    user?: UserInfo,
  ) {
    const r = info.resource;
    const opts = writeOptions(info, user, this.opts.checkWrite);
    const body = await readCreateBody(req, info, opts);
    if (info.subresource === 'binding') return writeJson(res, 201, await this.bind(info, body));
    if (info.subresource === 'eviction') return writeJson(res, 201, await this.evict(info, body));
    if (info.subresource === 'token')
      return writeJson(
        res,
        201,
        await createToken(
          this.registry,
          this.opts.serviceAccountTokens,
          info.namespace!,
          info.name!,
          body,
          user,
        ),
      );
    if (info.name)
      throw statusErrors.methodNotAllowed(
        `POST is not allowed on a named ${r.singular}; use PUT to replace it`,
      );
    const obj = await this.registry.create(r, info.namespace, body, opts);
    setWarnings(res, opts);
    return this.respond(res, 201, r, obj, rep, info.query);
  }

  private async update(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceRequest,
    rep: Representation,
    user?: UserInfo,
  ) {
    const r = info.resource;
    const opts = writeOptions(info, user, this.opts.checkWrite);
    requireJsonBody(req);
    const body = await readObjectBody(req, `update ${r.plural}`, opts);
    if (info.subresource === 'scale') return writeJson(res, 200, await this.updateScale(info, body, opts));
    const mode =
      info.subresource === 'status' ? 'status' : info.subresource === 'finalize' ? 'finalize' : 'main';
    const { object, created } = await this.registry.update(r, info.namespace, info.name!, body, {
      ...opts,
      mode,
    });
    setWarnings(res, opts);
    return this.respond(res, created ? 201 : 200, r, object, rep, info.query);
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceRequest,
    rep: Representation,
    user?: UserInfo,
  ) {
    const r = info.resource;
    const opts = writeOptions(info, user, this.opts.checkWrite);
    const type = patchTypeFromContentType(req.headers['content-type']);
    const { value: patch, duplicateFields } = parseJsonDocument(await readBody(req), `patch ${r.plural}`);
    opts.bodyFieldErrors = patchFieldErrors(type, patch, duplicateFields);
    if (info.subresource === 'scale') {
      const current = await this.registry.get(r, info.namespace, info.name!);
      const scale = applyPatch(type, scaleOf(current) as unknown as Record<string, unknown>, patch);
      return writeJson(res, 200, await this.updateScale(info, scale, opts));
    }
    const mode = info.subresource === 'status' ? 'status' : 'main';
    const obj = await this.registry.patch(
      r,
      info.namespace,
      info.name!,
      (current) => applyPatch(type, current as unknown as Record<string, unknown>, patch),
      { ...opts, mode },
    );
    setWarnings(res, opts);
    return this.respond(res, 200, r, obj, rep, info.query);
  }

  /** pods/binding: what the scheduler posts to place a pod; a pod is bound at most once. */
  private async bind(info: ResourceRequest, body: unknown) {
    const b = decodeTypedBody(body, 'binding') as {
      target?: { kind?: string; name?: string };
      metadata?: { name?: string; annotations?: Record<string, string> };
    };
    const nodeName = b.target?.name;
    if (!nodeName)
      throw statusErrors.invalid({ ...target(this.podInfo, info.name), kind: 'Binding' }, [
        { type: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
      ]);
    if (b.target?.kind && b.target.kind !== 'Node') {
      throw statusErrors.badRequest(`binding target kind must be Node, got ${b.target.kind}`);
    }
    await this.registry.bindPod(this.podInfo, info.namespace, info.name!, nodeName, b.metadata?.annotations);
    return successStatus();
  }

  /** pods/eviction: a delete that honours the eviction's DeleteOptions (drain uses this). */
  private async evict(info: ResourceRequest, body: unknown) {
    const e = decodeTypedBody(body, 'eviction') as { deleteOptions?: DeleteOptions };
    await this.registry.delete(this.podInfo, info.namespace, info.name!, e.deleteOptions ?? {});
    return successStatus();
  }

  private async updateScale(info: ResourceRequest, body: unknown, opts: WriteOptions) {
    const r = info.resource;
    const scale = decodeTypedBody(body, 'scale') as {
      spec?: { replicas?: unknown };
      metadata?: { resourceVersion?: string };
    };
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw statusErrors.invalid(
        { group: 'autoscaling', resource: 'scale', kind: 'Scale', name: info.name },
        [
          {
            type: 'FieldValueInvalid',
            field: 'spec.replicas',
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ],
      );
    }
    const obj = await this.registry.patch(
      r,
      info.namespace,
      info.name!,
      (current) => ({
        ...current,
        metadata: { ...current.metadata, resourceVersion: scale.metadata?.resourceVersion || undefined },
        spec: { ...(current.spec as object), replicas },
      }),
      opts,
    );
    return scaleOf(obj);
  }

  private represent(
    r: ResourceInfo,
    obj: ApiObject,
    rep: Representation,
    query: URLSearchParams,
    withColumns = true,
  ): unknown {
    if (rep === 'metadata')
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    if (rep === 'table') {
      const table = strategyFor(r).convertToTable([obj], {
        now: this.opts.now(),
        includeObject: includeObject(query),
      });
      return withColumns ? table : { ...table, columnDefinitions: [] };
    }
    return obj;
  }

  private respond(
    res: ServerResponse,
    code: number,
    r: ResourceInfo,
    obj: ApiObject,
    rep: Representation,
    query: URLSearchParams,
  ) {
    const body = this.represent(r, obj, rep, query);
    if (rep === 'table') {
      const text = JSON.stringify(body);
      res.writeHead(code, { 'Content-Type': tableContentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    writeJson(res, code, body);
  }

  private respondList(
    res: ServerResponse,
    r: ResourceInfo,
    list: ListResponse,
    rep: Representation,
    query: URLSearchParams,
  ) {
    const metadata = {
      resourceVersion: list.resourceVersion,
      ...(list.continue ? { continue: list.continue } : {}),
      ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}),
    };
    if (rep === 'table') {
      const table = strategyFor(r).convertToTable(list.items, {
        now: this.opts.now(),
        includeObject: includeObject(query),
      });
      const text = JSON.stringify({ ...table, metadata });
      res.writeHead(200, { 'Content-Type': tableContentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (rep === 'metadata') {
      return writeJson(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata,
        items: list.items.map((o) => ({
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: o.metadata,
        })),
      });
    }
    writeJson(res, 200, { kind: r.listKind, apiVersion: apiVersionOf(r), metadata, items: list.items });
  }
}

/** Bodies that are not stored objects (subresources, delete options), decoded here. */
const typedBodyKinds = {
  binding: { apiVersion: 'v1', kind: 'Binding', group: '', version: 'v1' },
  eviction: { apiVersion: 'policy/v1', kind: 'Eviction', group: 'policy', version: 'v1' },
  scale: { apiVersion: 'autoscaling/v1', kind: 'Scale', group: 'autoscaling', version: 'v1' },
  deleteOptions: { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', group: 'meta.k8s.io', version: 'v1' },
} as const;

/**
 * A Binding, Eviction, Scale or DeleteOptions body must be an object of its schema's types
 * before its fields are read (a `null` body was a TypeError, a 500; a string annotation on a
 * Binding was stored as junk). Unknown fields are left alone, as before: only types matter.
 */
function decodeTypedBody(body: unknown, which: keyof typeof typedBodyKinds): Record<string, unknown> {
  const k = typedBodyKinds[which];
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw statusErrors.badRequest(`the body of the request must be a ${k.kind} object`);
  const typeName = schemaTypeForKind(k.apiVersion, k.kind) as string;
  const typeErrors = checkSchema(body, typeName).filter((p) => p.type !== 'FieldValueUnknown');
  if (typeErrors.length > 0) throw decodeError(k, typeErrors, false);
  return body as Record<string, unknown>;
}

/** Reads an object body; its repeated keys go to `opts`, reported under fieldValidation. */
async function readObjectBody(req: IncomingMessage, what: string, opts: WriteOptions): Promise<unknown> {
  const { value, duplicateFields } = parseJsonDocument(await readBody(req), what);
  opts.bodyFieldErrors = duplicateFields.map((path) => fieldErrors.duplicateField(path));
  return value;
}

/**
 * A create's body: JSON (as readObjectBody reads it), or protobuf for the kinds kubectl's typed
 * commands send only that way (protobuf-body.ts). A token request's body is a TokenRequest, not
 * its ServiceAccount.
 */
async function readCreateBody(
  req: IncomingMessage,
  info: ResourceRequest,
  opts: WriteOptions,
): Promise<unknown> {
  const r = info.resource;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === protobufContentType) {
    const body = await readBody(req);
    try {
      const decoded = decodeProtobufBody(body, info.subresource === 'token' ? 'TokenRequest' : r.kind);
      if (decoded) return decoded;
    } catch (e) {
      throw statusErrors.badRequest(`create ${r.plural}: ${(e as Error).message}`);
    }
  }
  requireJsonBody(req);
  return readObjectBody(req, `create ${r.plural}`, opts);
}

function includeObject(query: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function successStatus() {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

async function deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const body = await readBody(req);
  const fromBody = (
    body.length > 0 ? decodeTypedBody(parseJsonBody(body, 'delete options'), 'deleteOptions') : {}
  ) as DeleteOptions & { orphanDependents?: boolean };
  const grace = query.get('gracePeriodSeconds');
  const policy = query.get('propagationPolicy');
  const opts: DeleteOptions = { ...fromBody };
  if (grace !== null) opts.gracePeriodSeconds = Number(grace);
  if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if ((fromBody as { orphanDependents?: boolean }).orphanDependents === true && !opts.propagationPolicy)
    opts.propagationPolicy = 'Orphan';
  if (query.getAll('dryRun').includes('All') || (fromBody as { dryRun?: string[] }).dryRun?.includes('All'))
    opts.dryRun = true;
  else delete opts.dryRun;
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw statusErrors.badRequest(
      `propagationPolicy must be one of Orphan, Background, Foreground; got ${opts.propagationPolicy}`,
    );
  }
  // An int64 in Kubernetes: `?gracePeriodSeconds=1e308` is refused as kube's int parse does.
  const seconds = opts.gracePeriodSeconds;
  if (
    seconds !== undefined &&
    (!Number.isInteger(seconds) || seconds < 0 || !fitsInteger(seconds, int64Bounds))
  ) {
    throw statusErrors.badRequest('gracePeriodSeconds must be a non-negative integer (int64)');
  }
  return opts;
}

/** The autoscaling/v1 Scale view of a workload, for the /scale subresource. */
function scaleOf(obj: ApiObject) {
  const spec = obj.spec as { replicas?: number; selector?: LabelSelector } | undefined;
  const status = obj.status as { replicas?: number } | undefined;
  const selector = labelSelectorToString(spec?.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec?.replicas ?? 0 },
    status: { replicas: status?.replicas ?? 0, selector },
  };
}
