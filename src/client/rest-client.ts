// The one way kubelab components reach the API server: Kubernetes REST over HTTPS with a
// bearer token. Failures come back as the server's own Status, rebuilt as StatusError, so
// callers branch on `reason`/`code` exactly as client-go callers do.
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListMeta, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import WebSocket from 'ws';
import type { KubeObject } from '../api/kube-object.js';
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf } from '../api/resources.js';
import type { StatusObject, StatusReason } from '../api/status-error.js';
import { StatusError } from '../api/status-error.js';
import type { KubeConfig } from './kubeconfig.js';
import { loadKubeconfig } from './kubeconfig.js';
import type { RetryWatcherOptions, WatchEvent, WatchOptions } from './watch.js';
import { RetryWatcher } from './watch.js';

export interface ObjectList<T> {
  kind: string;
  apiVersion: string;
  metadata: ListMeta;
  items: T[];
}

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Default 30 s; watches use `stream`, which has none. */
  timeoutMs?: number;
  /** Accept header; e.g. a meta.k8s.io Table for server-side printing. Default JSON. */
  accept?: string;
}

/** The server could not be reached at all (as opposed to answering with an error Status). */
export class ApiConnectionError extends Error {
  constructor(
    readonly server: string,
    cause: Error,
  ) {
    super(
      `cannot reach the API server at ${server}: ${cause.message} (is the cluster running? try \`kubelab status\`)`,
      { cause },
    );
    this.name = 'ApiConnectionError';
  }
}

/** `/api/v1/namespaces/{ns}/pods/{name}/status`, `/apis/apps/v1/deployments`, `/api/v1/nodes/{name}`. */
export function resourcePath(
  info: ResourceInfo,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let path = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  if (info.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${info.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

const reasonForCode: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Rebuilds the server's Status (or, for a non-Status body, a Status-shaped error from the HTTP code). */
export function errorFromResponse(code: number, body: string): StatusError {
  try {
    const parsed = JSON.parse(body) as Partial<StatusObject>;
    if (parsed && parsed.kind === 'Status') return StatusError.fromStatus(parsed, code);
  } catch {
    // Not JSON: a proxy or a crash page; fall through and keep the text.
  }
  return new StatusError(code, reasonForCode[code] ?? 'InternalError', body.trim() || `HTTP ${code}`);
}

/** client-go's maxRetries for answers that carry Retry-After. */
const maxRetries = 10;

export class ApiClient {
  readonly server: string;
  /** The kubeconfig context's namespace. */
  readonly namespace: string;
  /** PEM of the CA the client trusts for the server: the cluster CA, when the kubeconfig names one. */
  readonly caData?: string;
  private readonly agent: http.Agent;
  private readonly token?: string;
  private readonly transport: typeof http | typeof https;
  private readonly tls: { ca?: string; rejectUnauthorized: boolean };

  constructor(config: KubeConfig) {
    this.server = config.server.replace(/\/+$/, '');
    this.namespace = config.namespace;
    this.caData = config.caData;
    this.token = config.token;
    const secure = this.server.startsWith('https:');
    this.transport = secure ? https : http;
    this.tls = { ca: config.caData, rejectUnauthorized: !config.insecureSkipTLSVerify };
    // Many informers each hold a watch open on this one agent; the default pool would starve
    // ordinary requests behind them.
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 512, ...this.tls })
      : new http.Agent({ keepAlive: true, maxSockets: 512 });
  }

  static fromKubeconfig(path: string, options: { context?: string } = {}): ApiClient {
    return new ApiClient(loadKubeconfig(path, options));
  }

  /** Sends one request and parses the JSON answer; throws StatusError or ApiConnectionError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(method, path, options);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Like request, for endpoints that answer plain text (/healthz, /readyz, logs). */
  async requestText(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    for (let attempt = 1; ; attempt++) {
      const res = await this.send(method, path, options, signal);
      const text = await readBody(res, signal).catch((e: Error) => {
        throw this.failure(e, signal, method, path, options.timeoutMs);
      });
      const code = res.statusCode ?? 500;
      const retryAfter = Number(res.headers['retry-after']);
      // As client-go: a server that is busy (429, or a 5xx with Retry-After) said when to come
      // back, and the request was not served, so sending it again is safe.
      if ((code === 429 || code >= 500) && Number.isFinite(retryAfter) && attempt < maxRetries) {
        await sleep(Math.min(retryAfter, 10) * 1000, undefined, { signal }).catch((e: Error) => {
          throw this.failure(e, signal, method, path, options.timeoutMs);
        });
        continue;
      }
      if (code >= 400) throw errorFromResponse(code, text);
      return text;
    }
  }

  /**
   * Opens a streaming GET (watch, logs -f) and returns the response once the server has
   * accepted it; error answers are read and thrown as StatusError. Abort `signal` to close.
   */
  async stream(
    path: string,
    query: Record<string, QueryValue>,
    signal: AbortSignal,
    options: { accept?: string } = {},
  ): Promise<IncomingMessage> {
    const res = await this.send('GET', path, { query, accept: options.accept }, signal);
    if ((res.statusCode ?? 500) >= 400)
      throw errorFromResponse(res.statusCode ?? 500, await readBody(res, signal));
    return res;
  }

  /**
   * Opens a WebSocket (pods/exec) offering `protocols`; resolves once the server has switched
   * protocols, and throws the server's Status when it refuses the upgrade.
   */
  openWebSocket(path: string, query: URLSearchParams, protocols: readonly string[]): Promise<WebSocket> {
    const url = `${this.server.replace(/^http/, 'ws')}${path}?${query}`;
    const ws = new WebSocket(url, [...protocols], {
      ...this.tls,
      headers: this.token ? { Authorization: `Bearer ${this.token}` } : {},
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => {
        readBody(res, AbortSignal.timeout(10_000)).then(
          (body) => reject(errorFromResponse(res.statusCode ?? 500, body)),
          (e: Error) => reject(e),
        );
      });
      ws.once('error', (e) => reject(new ApiConnectionError(this.server, e)));
    });
  }

  resource<T extends KubeObject>(info: ResourceInfo, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this, info, namespace);
  }

  /** What the scheduler does to place a pod: POST pods/{name}/binding with a v1 Binding. */
  async bind(pod: { metadata?: ObjectMeta }, nodeName: string): Promise<void> {
    const { name, namespace, uid } = pod.metadata ?? {};
    if (!name || !namespace) throw new Error('bind: pod needs metadata.name and metadata.namespace');
    await this.request(
      'POST',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/binding`,
      {
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, ...(uid ? { uid } : {}) },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        },
      },
    );
  }

  /** Closes idle keep-alive sockets so a process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    options: RequestOptions,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.transport.request(url, { method, headers, agent: this.agent, signal }, resolve);
      req.on('error', (e) => reject(this.failure(e, signal, method, path, options.timeoutMs)));
      req.end(payload);
    });
  }

  private failure(e: Error, signal: AbortSignal, method: string, path: string, timeoutMs?: number): Error {
    if (signal.aborted) {
      const reason = signal.reason as Error | undefined;
      if (reason?.name === 'TimeoutError') {
        return new Error(`${method} ${this.server}${path} timed out after ${timeoutMs ?? 30_000} ms`, {
          cause: e,
        });
      }
      return reason ?? e;
    }
    return new ApiConnectionError(this.server, e);
  }
}

function readBody(res: IncomingMessage, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(signal.reason ?? new Error('response aborted')));
  });
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'json' | 'strategic';

const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: ObjectMeta;
  spec: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

/**
 * One resource type, optionally bound to a namespace. Without a namespace, list and watch
 * span all namespaces and single-object calls take the namespace from the object.
 */
export class ResourceClient<T extends KubeObject> {
  readonly apiVersion: string;

  constructor(
    readonly client: ApiClient,
    readonly info: ResourceInfo,
    readonly namespace?: string,
  ) {
    this.apiVersion = apiVersionOf(info);
  }

  /** Path of the collection, or of one object when `name` is given. */
  path(name?: string, subresource?: string, namespace = this.namespace): string {
    if (this.info.namespaced && name !== undefined && !namespace) {
      throw new Error(`${this.info.plural} "${name}": a namespace is required`);
    }
    return resourcePath(this.info, namespace, name, subresource);
  }

  get(name: string, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.client.request<T>('GET', this.path(name), { signal: options.signal });
  }

  /** One page. Items get kind/apiVersion filled in, since the server omits them in lists. */
  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const list = await this.client.request<ObjectList<T>>('GET', this.path(), {
      query: listQuery(options),
      signal: options.signal,
    });
    list.items = (list.items ?? []).map((item) => this.withType(item));
    return list;
  }

  /** Follows `continue` tokens; every page shares the first page's resourceVersion. */
  async listAll(
    options: Omit<ListOptions, 'continue'> = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.list({ ...options, continue: token });
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      token = page.metadata.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  create(obj: T, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.client.request<T>('POST', this.path(undefined, undefined, this.namespaceOf(obj)), {
      body: this.withType(obj),
      signal: options.signal,
    });
  }

  update(obj: T, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.client.request<T>('PUT', this.objectPath(obj), {
      body: this.withType(obj),
      signal: options.signal,
    });
  }

  updateStatus(obj: T, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.client.request<T>('PUT', this.objectPath(obj, 'status'), {
      body: this.withType(obj),
      signal: options.signal,
    });
  }

  patch(
    name: string,
    patch: unknown,
    type: PatchType,
    options: { subresource?: string; namespace?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.client.request<T>(
      'PATCH',
      this.path(name, options.subresource, options.namespace ?? this.namespace),
      {
        body: patch,
        contentType: patchContentType[type],
        signal: options.signal,
      },
    );
  }

  /**
   * Resolves to the object when the server keeps it around (graceful deletion, finalizers),
   * or undefined when it answered with a Success Status.
   */
  async delete(
    name: string,
    options: DeleteOptions & { namespace?: string; signal?: AbortSignal } = {},
  ): Promise<T | undefined> {
    const { namespace, signal, ...deleteOptions } = options;
    const res = await this.client.request<T | StatusObject>(
      'DELETE',
      this.path(name, undefined, namespace ?? this.namespace),
      {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteOptions },
        signal,
      },
    );
    return res && res.kind !== 'Status' ? (res as T) : undefined;
  }

  deleteCollection(options: Omit<ListOptions, 'continue' | 'limit'> & DeleteOptions = {}): Promise<unknown> {
    const { labelSelector, fieldSelector, resourceVersion, signal, ...deleteOptions } = options;
    return this.client.request('DELETE', this.path(), {
      query: listQuery({ labelSelector, fieldSelector, resourceVersion }),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteOptions },
      signal,
    });
  }

  getScale(name: string): Promise<Scale> {
    return this.client.request<Scale>('GET', this.path(name, 'scale'));
  }

  updateScale(name: string, scale: Scale): Promise<Scale> {
    return this.client.request<Scale>('PUT', this.path(name, 'scale'), { body: scale });
  }

  /**
   * Watches with automatic resume from the last seen resourceVersion (see RetryWatcher).
   * `watcher.done` rejects with a 410 StatusError when the caller must relist.
   */
  watch(
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    retry: RetryWatcherOptions & { signal?: AbortSignal } = {},
  ): RetryWatcher<T> {
    const { signal, ...retryOptions } = retry;
    const watcher = new RetryWatcher<T>(
      this.client,
      this.path(),
      options,
      { onEvent: (e) => onEvent(e.type === 'BOOKMARK' ? e : { ...e, object: this.withType(e.object) }) },
      retryOptions,
    );
    if (signal?.aborted) watcher.stop();
    signal?.addEventListener('abort', () => watcher.stop(), { once: true });
    watcher.start();
    return watcher;
  }

  private withType(obj: T): T {
    if (obj.kind && obj.apiVersion) return obj;
    return { ...obj, apiVersion: this.apiVersion, kind: this.info.kind };
  }

  private namespaceOf(obj: T): string | undefined {
    if (!this.info.namespaced) return undefined;
    return this.namespace ?? obj.metadata?.namespace;
  }

  private objectPath(obj: T, subresource?: string): string {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`${this.info.kind}: metadata.name is required`);
    return this.path(name, subresource, this.namespaceOf(obj));
  }
}

function listQuery(o: Omit<ListOptions, 'signal'>): Record<string, QueryValue> {
  return {
    labelSelector: o.labelSelector || undefined,
    fieldSelector: o.fieldSelector || undefined,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
  };
}
