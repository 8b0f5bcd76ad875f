// What every controller is built from: one API client, shared informers (one list+watch per
// resource for the whole controller manager, as kube-controller-manager's
// SharedInformerFactory), the clock, the active timing profile, the cluster CA, and an event
// recorder.
import type { Profile } from '../api/profiles.js';
import type { Clock } from '../client/clock.js';
import type { Controller } from '../client/controller.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { InformerFactory } from '../client/informer.js';
import type { ApiClient } from '../client/rest-client.js';

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  clock: Clock;
  profile: Profile;
  /** PEM of the cluster CA (kube-controller-manager's --root-ca-file), published to every namespace. */
  rootCA?: string;
  /** A recorder whose events say they come from `component` (e.g. `deployment-controller`). */
  recorder(component: string): EventRecorder;
  log(message: string): void;
}

/** Each controller module exports one of these; the manager calls it once at start. */
export type ControllerFactory = (ctx: ControllerContext) => Controller;

export function recorderFactory(client: ApiClient, clock: Clock): (component: string) => EventRecorder {
  const recorders = new Map<string, EventRecorder>();
  return (component) => {
    let r = recorders.get(component);
    if (!r) {
      r = new EventRecorder(client, component, undefined, clock);
      recorders.set(component, r);
    }
    return r;
  };
}
