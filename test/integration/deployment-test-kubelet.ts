// The kubelet, played by the ReplicaSet/Deployment integration tests: binds every new pod to
// a node through pods/binding, reports it Running (and Ready, unless `ready` says no) through
// the status subresource, and confirms graceful deletions with gracePeriodSeconds=0, as a
// node agent does. Everything goes through the real API server.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resource } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status-error.js';
import { Informer } from '../../src/client/informer.js';
import type { ApiClient } from '../../src/client/rest-client.js';

export interface TestKubelet {
  pods: Informer<Pod>;
  /** Stops watching and waits for the requests already under way. */
  stop(): Promise<void>;
}

export async function startTestKubelet(
  client: ApiClient,
  options: { node?: string; ready?: (pod: Pod) => boolean } = {},
): Promise<TestKubelet> {
  const node = options.node ?? 'node-a';
  const pods = new Informer<Pod>(client, resource.pods);
  const busy = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const handle = async (pod: Pod) => {
    const { name, namespace, uid } = pod.metadata ?? {};
    const key = `${namespace}/${name}/${pod.metadata?.resourceVersion}`;
    if (busy.has(key)) return;
    busy.add(key);
    const api = client.resource<Pod>(resource.pods, namespace);
    try {
      if (pod.metadata?.deletionTimestamp) {
        await api.delete(name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      } else if (!pod.spec?.nodeName) {
        await client.bind(pod, node);
      } else if (pod.status?.phase !== 'Running') {
        const ready = options.ready?.(pod) ?? true;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        await api.patch(
          name!,
          {
            status: {
              phase: 'Running',
              conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
            },
          },
          'merge',
          { subresource: 'status' },
        );
      }
    } catch (e) {
      // The pod went away or moved on meanwhile; the next event brings its new state. Any
      // other failure is a bug the test must see, unless the test is already tearing down.
      if (!(e instanceof StatusError) && !stopped) throw e;
    }
  };
  const track = (pod: Pod) => {
    if (stopped) return;
    const run = handle(pod).finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  pods.addEventHandler({ onAdd: track, onUpdate: (_o, p) => track(p) });
  pods.start();
  await pods.waitForSync();
  return {
    pods,
    async stop() {
      stopped = true;
      pods.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Polls `check` until it returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
