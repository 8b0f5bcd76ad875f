// The controller manager: builds every controller from one shared context, starts the shared
// informers, waits until their caches are filled (a controller acting on an empty cache would
// think nothing exists and "fix" that), then runs all reconcile loops. Its health — each
// controller running, and its last error — feeds /readyz and `kubelab status`.
import type { Profile } from '../api/profiles.js';
import { type Clock, realClock } from '../client/clock.js';
import type { Controller } from '../client/controller.js';
import { InformerFactory } from '../client/informer.js';
import type { ApiClient } from '../client/rest-client.js';
import { allControllers } from './all-controllers.js';
import { type ControllerContext, type ControllerFactory, recorderFactory } from './context.js';

export interface ControllerManagerOptions {
  client: ApiClient;
  profile: Profile;
  clock?: Clock;
  factories?: ControllerFactory[];
  log?: (message: string) => void;
}

export class ControllerManager {
  private readonly controllers: Controller[];
  private readonly informers: InformerFactory;
  private runs: Promise<void>[] = [];
  private synced = false;

  constructor(o: ControllerManagerOptions) {
    const clock = o.clock ?? realClock;
    const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
    this.informers = new InformerFactory(o.client, { clock });
    const ctx: ControllerContext = {
      client: o.client,
      informers: this.informers,
      clock,
      profile: o.profile,
      // The CA its kubeconfig trusts for the API server is the cluster CA.
      rootCA: o.client.caData,
      recorder: recorderFactory(o.client, clock),
      log,
    };
    this.controllers = (o.factories ?? allControllers).map((f) => f(ctx));
  }

  async start(signal?: AbortSignal): Promise<void> {
    this.informers.start();
    await this.informers.waitForSync(signal);
    this.synced = true;
    this.runs = this.controllers.map((c) => c.run());
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) c.stop();
    this.informers.stop();
    await Promise.all(this.runs);
  }

  healthy(): boolean {
    return this.synced && this.controllers.every((c) => c.health().running);
  }

  health() {
    return { synced: this.synced, controllers: this.controllers.map((c) => c.health()) };
  }
}
