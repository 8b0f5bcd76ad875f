// Generic REST storage for every kind, modelled on kube-apiserver's genericregistry.Store:
// decode, default, admit, validate, then a compare-and-swap write to the store. It never
// branches on kind: what a step means for a kind is the kind's strategy (strategies/).

import type { FieldError } from '../api/field-errors.js';
import type { Profile } from '../api/profiles.js';
import { apiVersionOf, type ResourceInfo, resource } from '../api/resources.js';
import { checkSchema, schemaTypeForKind } from '../api/schema-check.js';
import { type ErrorTarget, StatusError, statusErrors } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { type KeyValue, type Store, StoreError } from '../store/store.js';
import { type ApiObject, generatedName, prepareForCreate, prepareForUpdate } from './object-meta.js';
import { objectKey, resourcePrefix } from './storage-keys.js';
import type { AdmissionPlugins, StrategyContext } from './strategies/strategy.js';
import { strategyFor } from './strategies/strategy-catalogue.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Warnings to return to the client (Warn field validation). */
  warnings?: string[];
  /**
   * Validating admission for this caller (e.g. NodeRestriction): sees the object as it would be
   * stored and the stored one (none on create), after validation, and throws to refuse.
   */
  admit?: (obj: ApiObject, old: ApiObject | undefined) => void;
  /**
   * What the body's text said that its parsed value cannot: repeated keys
   * (`duplicate field "spec.paused"`). Reported once, under fieldValidation, before the
   * schema's unknown fields, as kube-apiserver orders them for patches.
   */
  bodyFieldErrors?: FieldError[];
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * A write without a client-given resourceVersion (a patch, a binding, a delete) must not fail
 * just because a controller wrote the same object in between: like kube's GuaranteedUpdate it
 * re-reads and re-applies. The bound only stops a pathological livelock.
 */
const maxUnconditionalRetries = 100;

const latestRfc3339Time = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * kube's 400 for a body that does not decode into its kind: wrong types, or (`strict`)
 * unknown and repeated fields, every one named.
 */
export function decodeError(
  r: Pick<ResourceInfo, 'kind' | 'version' | 'group'>,
  problems: FieldError[],
  strict: boolean,
  name?: string,
): StatusError {
  // An integer outside its Go type (`replicas: 2147483648`) is the only schema problem that is
  // a value, not a shape: kubelab answers it as kube's validation answers an out-of-range
  // value, 422 Invalid naming the field (kube's Go decoder fails it earlier, with a 400).
  if (problems.length > 0 && problems.every((p) => p.type === 'FieldValueInvalid'))
    return statusErrors.invalid({ group: r.group, resource: '', kind: r.kind, name }, problems);
  const detail = problems
    .map((p) => (p.type === 'FieldValueTypeInvalid' ? `${p.field}: ${p.message}` : p.message))
    .join(', ');
  return new StatusError(
    400,
    'BadRequest',
    `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${strict ? 'strict decoding error: ' : ''}${detail}`,
    {
      kind: r.kind,
      group: r.group,
      causes: problems.map((p) => ({ reason: p.type, message: p.message, field: p.field })),
    },
  );
}

export function target(r: ResourceInfo, name?: string): ErrorTarget & { kind: string } {
  return { group: r.group, resource: r.plural, kind: r.kind, name };
}

/** Decodes a stored value into an object with its resourceVersion filled in. */
export function decode(kv: KeyValue): ApiObject {
  const obj = JSON.parse(kv.value) as ApiObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

function encode(obj: ApiObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

function storeFailure(r: ResourceInfo, name: string, e: unknown): never {
  if (e instanceof StoreError) {
    if (e.code === 'KeyExists') throw statusErrors.alreadyExists(target(r, name));
    if (e.code === 'KeyNotFound') throw statusErrors.notFound(target(r, name));
    if (e.code === 'Conflict') {
      throw statusErrors.conflict(
        target(r, name),
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
  }
  throw e;
}

export class Registry {
  private readonly strategyContext: StrategyContext;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    profile: Profile,
    admission: AdmissionPlugins,
  ) {
    this.strategyContext = { store, profile, admission };
  }

  private namespaceInfo = resource.namespaces;

  async getKv(r: ResourceInfo, namespace: string | undefined, name: string): Promise<KeyValue> {
    const kv = await this.store.get(objectKey(r, namespace, name));
    if (!kv) throw statusErrors.notFound(target(r, name));
    return kv;
  }

  async get(r: ResourceInfo, namespace: string | undefined, name: string): Promise<ApiObject> {
    return this.withKind(r, decode(await this.getKv(r, namespace, name)));
  }

  /** Every object of a kind (in one namespace, when given), for checks that look across objects. */
  async listItems(r: ResourceInfo, namespace?: string): Promise<ApiObject[]> {
    return (await this.store.list(resourcePrefix(r, namespace))).items.map((kv) =>
      this.withKind(r, decode(kv)),
    );
  }

  withKind(r: ResourceInfo, obj: ApiObject): ApiObject {
    return { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
  }

  /**
   * Checks the body's shape (kind, apiVersion, unknown fields, types) before anything else, as
   * kube-apiserver's strict decoding does. Unknown fields are 400 errors naming every path.
   */
  decodeBody(r: ResourceInfo, body: unknown, opts: WriteOptions): ApiObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw statusErrors.badRequest(`the body of the request must be a ${r.kind} object`);
    }
    const obj = body as ApiObject;
    const expected = apiVersionOf(r);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw statusErrors.badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== r.kind) {
      throw statusErrors.badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.kind})`,
      );
    }
    const typeName = schemaTypeForKind(expected, r.kind);
    const problems = typeName ? checkSchema(obj, typeName) : [];
    const typeErrors = problems.filter((p) => p.type !== 'FieldValueUnknown');
    const unknown = problems.filter((p) => p.type === 'FieldValueUnknown');
    if (typeErrors.length > 0) throw decodeError(r, typeErrors, false, obj.metadata?.name);
    // A patch retried after a conflict, or an update that creates, decodes again: the
    // body's text was read once, so it is reported once.
    const strictErrors = [...(opts.bodyFieldErrors ?? []), ...unknown];
    opts.bodyFieldErrors = undefined;
    if (strictErrors.length > 0) {
      if ((opts.fieldValidation ?? 'Strict') === 'Strict') throw decodeError(r, strictErrors, true);
      if (opts.fieldValidation === 'Warn') opts.warnings?.push(...strictErrors.map((u) => u.message));
      stripUnknown(obj, unknown);
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    obj.apiVersion = expected;
    obj.kind = r.kind;
    return obj;
  }

  private async admitNamespace(r: ResourceInfo, namespace: string | undefined): Promise<void> {
    if (!r.namespaced || !namespace) return;
    const kv = await this.store.get(objectKey(this.namespaceInfo, undefined, namespace));
    if (!kv) throw statusErrors.notFound({ group: '', resource: 'namespaces', name: namespace });
    const ns = decode(kv);
    if (ns.metadata.deletionTimestamp) {
      throw statusErrors.forbidden(
        `${r.plural}${r.group ? `.${r.group}` : ''} "${'{name}'}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  private validateOrThrow(r: ResourceInfo, obj: ApiObject, old?: ApiObject, statusOnly = false): void {
    const strategy = strategyFor(r);
    const errors = statusOnly && old ? strategy.validateStatus(obj, old) : strategy.validate(obj, old);
    if (errors.length > 0) throw statusErrors.invalid(target(r, obj.metadata.name), errors);
  }

  async create(
    r: ResourceInfo,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<ApiObject> {
    const obj = this.decodeBody(r, body, opts);
    const meta = obj.metadata;
    if (r.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw statusErrors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (namespace) meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generatedName(meta.generateName);
    try {
      await this.admitNamespace(r, namespace);
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'Forbidden') {
        throw statusErrors.forbidden(e.message.replace('{name}', meta.name ?? ''));
      }
      throw e;
    }
    prepareForCreate(obj, this.now());
    const strategy = strategyFor(r);
    if (!strategy.keepStatusOnCreate && r.subresources.includes('status')) delete obj.status;
    strategy.applyDefaults(obj);
    await strategy.admit(obj, this.strategyContext);
    strategy.prepareForCreate(obj);
    this.validateOrThrow(r, obj);
    opts.admit?.(obj, undefined);
    if (opts.dryRun) return obj;
    await strategy.allocate(obj, this.strategyContext);
    const name = meta.name!;
    try {
      const kv = await this.store.create(objectKey(r, namespace, name), encode(obj));
      return this.withKind(r, decode(kv));
    } catch (e) {
      storeFailure(r, name, e);
    }
  }

  /**
   * Replaces an object. `mode` says which part the caller may write: the main resource keeps
   * the stored status; the status subresource keeps everything but status.
   */
  async update(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions & { mode?: 'main' | 'status' | 'finalize' } = {},
  ): Promise<{ object: ApiObject; created: boolean }> {
    const incoming = this.decodeBody(r, body, opts);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw statusErrors.badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (r.namespaced && incoming.metadata.namespace && incoming.metadata.namespace !== namespace) {
      throw statusErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    incoming.metadata.name = name;
    if (r.namespaced) incoming.metadata.namespace = namespace;
    const key = objectKey(r, namespace, name);
    const current = await this.store.get(key);
    if (!current) {
      if (strategyFor(r).allowCreateOnUpdate && (opts.mode ?? 'main') === 'main') {
        return { object: await this.create(r, namespace, incoming, opts), created: true };
      }
      throw statusErrors.notFound(target(r, name));
    }
    const wantedRv = incoming.metadata.resourceVersion;
    if (wantedRv !== undefined && wantedRv !== '' && wantedRv !== String(current.modRevision)) {
      throw statusErrors.conflict(
        target(r, name),
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const object = await this.replace(r, current, incoming, opts);
    return { object, created: false };
  }

  /** The shared tail of update and patch: merge by mode, prepare, validate, CAS write. */
  async replace(
    r: ResourceInfo,
    current: KeyValue,
    incoming: ApiObject,
    opts: WriteOptions & { mode?: 'main' | 'status' | 'finalize' },
  ): Promise<ApiObject> {
    const old = decode(current);
    const name = old.metadata.name!;
    const strategy = strategyFor(r);
    let next: ApiObject;
    const mode = opts.mode ?? 'main';
    if (mode === 'status') {
      next = { ...old, status: incoming.status };
      next.metadata = { ...old.metadata };
    } else if (mode === 'finalize') {
      if (!strategy.finalize)
        throw statusErrors.notFound({ ...target(r, name), resource: `${r.plural}/finalize` });
      next = strategy.finalize(old, incoming);
    } else {
      next = incoming;
      if (r.subresources.includes('status')) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
    }
    prepareForUpdate(next, old);
    strategy.prepareForUpdate(next, old);
    if (mode === 'main') strategy.applyDefaults(next);
    this.validateOrThrow(r, next, old, mode === 'status');
    opts.admit?.(next, old);
    if (opts.dryRun) return this.withKind(r, next);

    const finalized =
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers ?? []).length === 0 &&
      strategy.pendingFinalizers(next).length === 0;
    try {
      if (finalized) {
        const kv = await this.store.delete(current.key, current.modRevision);
        return this.withKind(r, decode(kv));
      }
      const value = encode(next);
      if (value === encode(old)) return this.withKind(r, old);
      return this.withKind(r, decode(await this.store.update(current.key, value, current.modRevision)));
    } catch (e) {
      storeFailure(r, name, e);
    }
  }

  /**
   * Applies a patch with kube's GuaranteedUpdate loop: read, patch, write with the read's
   * revision as precondition, and retry on a concurrent write (a patch carries no version).
   */
  async patch(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patchFn: (current: ApiObject) => unknown,
    opts: WriteOptions & { mode?: 'main' | 'status' } = {},
  ): Promise<ApiObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.getKv(r, namespace, name);
      const patched = patchFn(this.withKind(r, decode(current)));
      const incoming = this.decodeBody(r, patched, opts);
      const patchedRv = incoming.metadata.resourceVersion;
      if (patchedRv && patchedRv !== String(current.modRevision)) {
        throw statusErrors.conflict(
          target(r, name),
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      if (incoming.metadata.name !== name)
        throw statusErrors.badRequest('metadata.name cannot be changed by a patch');
      try {
        return await this.replace(r, current, incoming, opts);
      } catch (e) {
        // The patched object carries the resourceVersion it was read at, so a concurrent write
        // shows up here as a Conflict: read again and re-apply. A precondition the client put in
        // the patch itself is caught by the check above on the next attempt.
        const retriable =
          e instanceof StatusError && e.reason === 'Conflict' && attempt < maxUnconditionalRetries;
        if (!retriable) throw e;
      }
    }
  }

  /**
   * pods/binding: sets spec.nodeName and PodScheduled=True in one write. It bypasses the pod
   * update rules (which forbid changing nodeName) as kube's binding storage does, and binds at
   * most once: a pod that is already assigned or being deleted is a Conflict. The Binding's
   * metadata.annotations are copied onto the pod in the same write (kube's binding REST does
   * this), which is how the scheduler attaches its explanation without a second write.
   */
  async bindPod(
    pods: ResourceInfo,
    namespace: string | undefined,
    name: string,
    nodeName: string,
    annotations: Record<string, string> = {},
  ): Promise<ApiObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.getKv(pods, namespace, name);
      const pod = decode(current);
      const spec = (pod.spec ?? {}) as { nodeName?: string };
      if (pod.metadata.deletionTimestamp) {
        throw statusErrors.conflict(target(pods, name), 'pod is being deleted, cannot be assigned to a host');
      }
      if (spec.nodeName) {
        throw statusErrors.conflict(
          target(pods, name),
          `pod ${name} is already assigned to node "${spec.nodeName}"`,
        );
      }
      const status = (pod.status ?? {}) as { conditions?: { type: string }[] };
      const conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
        {
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: rfc3339(this.now()),
        },
      ];
      const metadata =
        Object.keys(annotations).length === 0
          ? pod.metadata
          : { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...annotations } };
      const next: ApiObject = {
        ...pod,
        metadata,
        spec: { ...spec, nodeName },
        status: { ...status, conditions },
      };
      try {
        return this.withKind(
          pods,
          decode(await this.store.update(current.key, encode(next), current.modRevision)),
        );
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict' && attempt < maxUnconditionalRetries) continue;
        storeFailure(pods, name, e);
      }
    }
  }

  async delete(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<{ object: ApiObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.getKv(r, namespace, name);
      const obj = decode(current);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw statusErrors.conflict(
          target(r, name),
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== String(current.modRevision)) {
        throw statusErrors.conflict(
          target(r, name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${current.modRevision}`,
        );
      }
      const next = this.planDeletion(r, obj, opts);
      if (opts.dryRun) return { object: this.withKind(r, next ?? obj), deleted: next === undefined };
      try {
        if (next === undefined) {
          const kv = await this.store.delete(current.key, current.modRevision);
          return { object: this.withKind(r, decode(kv)), deleted: true };
        }
        const kv = await this.store.update(current.key, encode(next), current.modRevision);
        return { object: this.withKind(r, decode(kv)), deleted: false };
      } catch (e) {
        if (
          e instanceof StoreError &&
          e.code === 'Conflict' &&
          !pre?.resourceVersion &&
          attempt < maxUnconditionalRetries
        )
          continue;
        storeFailure(r, name, e);
      }
    }
  }

  /**
   * A grace period is an int64 of seconds (a pod's terminationGracePeriodSeconds, or a
   * delete's), far beyond what a date can say: the time is capped at the last second RFC 3339
   * can write instead of failing the delete with a RangeError (a 500).
   */
  private deletionTimestampAfter(graceSeconds: number): string {
    return rfc3339(Math.min(this.now() + graceSeconds * 1000, latestRfc3339Time));
  }

  /**
   * Decides between deleting now and marking for deletion: returns the object to store with
   * deletionTimestamp set (a grace period, pending finalizers), or undefined to delete
   * immediately.
   */
  private planDeletion(r: ResourceInfo, obj: ApiObject, opts: DeleteOptions): ApiObject | undefined {
    const strategy = strategyFor(r);
    const meta = { ...obj.metadata };
    const finalizers = [...(meta.finalizers ?? [])];
    const policy = opts.propagationPolicy;
    const addFinalizer = (f: string) => {
      if (!finalizers.includes(f)) finalizers.push(f);
    };
    if (policy === 'Foreground') addFinalizer('foregroundDeletion');
    if (policy === 'Orphan') addFinalizer('orphan');

    const grace = strategy.deletionGracePeriod(obj, opts.gracePeriodSeconds);
    if (finalizers.length === 0 && grace === 0 && strategy.pendingFinalizers(obj).length === 0) {
      // A pod already terminating whose agent confirms with grace 0 ends up here too.
      return undefined;
    }
    if (meta.deletionTimestamp) {
      // Already terminating: a delete can only shorten the remaining grace period (only kinds
      // with a grace period have one left).
      const remaining = meta.deletionGracePeriodSeconds ?? 0;
      if (grace < remaining) {
        if (grace === 0 && finalizers.length === 0) return undefined;
        meta.deletionGracePeriodSeconds = grace;
        meta.deletionTimestamp = this.deletionTimestampAfter(grace);
      }
    } else {
      meta.deletionTimestamp = this.deletionTimestampAfter(grace);
      meta.deletionGracePeriodSeconds = grace;
    }
    meta.finalizers = finalizers.length > 0 ? finalizers : undefined;
    const next: ApiObject = { ...obj, metadata: meta };
    strategy.prepareForDeletion(next);
    return next;
  }
}

function stripUnknown(obj: ApiObject, unknown: FieldError[]): void {
  for (const u of unknown) {
    const parts = u.field.match(/[^.[\]]+/g) ?? [];
    let node: unknown = obj;
    for (let i = 0; i < parts.length - 1; i++) {
      node = (node as Record<string, unknown> | undefined)?.[parts[i]!];
    }
    const last = parts.at(-1);
    if (last !== undefined && node && typeof node === 'object')
      delete (node as Record<string, unknown>)[last];
  }
}
