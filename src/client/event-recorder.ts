// Records Kubernetes Events for an object, as client-go's record.EventRecorder does:
// identical events (same object, type, reason, message, source) within 10 minutes are
// folded into one Event whose count and lastTimestamp grow, so a crash loop or a pod that
// cannot be scheduled reads as "x12 over 3m", not as a flood. Recording never throws: an
// event is diagnostics, and a failure to write one must not fail the work it describes.
import { randomBytes } from 'node:crypto';
import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/kube-object.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import { type Clock, realClock } from './clock.js';
import type { ApiClient } from './rest-client.js';

const dedupWindowMs = 10 * 60_000;

export function referenceTo(obj: KubeObject): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata?.namespace,
    name: obj.metadata?.name,
    uid: obj.metadata?.uid,
    resourceVersion: obj.metadata?.resourceVersion,
  };
}

export class EventRecorder {
  private readonly recent = new Map<
    string,
    { name: string; namespace: string; count: number; first: string; at: number }
  >();

  constructor(
    private readonly client: ApiClient,
    /** `source.component`, e.g. `default-scheduler`, `deployment-controller`, `kubelet`. */
    private readonly component: string,
    private readonly host?: string,
    private readonly clock: Clock = realClock,
  ) {}

  /** Fire-and-forget; resolves when written (or given up on). */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.record(obj, type, reason, message).catch(() => undefined);
  }

  private async record(obj: KubeObject, type: string, reason: string, message: string): Promise<void> {
    const ref = referenceTo(obj);
    const namespace = ref.namespace || 'default';
    const key = [ref.uid, ref.kind, ref.name, type, reason, message].join('\u0000');
    const now = this.clock.now();
    const seen = this.recent.get(key);
    const events = this.client.resource<Event>(resource.events, namespace);
    if (seen && now - seen.at < dedupWindowMs) {
      seen.count++;
      seen.at = now;
      try {
        await events.patch(seen.name, { count: seen.count, lastTimestamp: rfc3339(now) }, 'merge');
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
      }
    }
    if (this.recent.size > 4096) this.recent.clear();
    const name = `${ref.name}.${randomBytes(8).toString('hex')}`;
    const at = rfc3339(now);
    this.recent.set(key, { name, namespace, count: 1, first: at, at: now });
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: at,
      lastTimestamp: at,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
    } as Event);
  }
}
