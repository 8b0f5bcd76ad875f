// The scheduler and the controller manager each run on their own thread inside the
// `kubelab server` process. They are ordinary API clients (own connections and informers,
// nothing shared with the API server but HTTPS), so a thread changes nothing about how they
// talk; it gives each its own event loop, so their informer and reconcile work never delays
// the API server's requests, and it lets the process use a second core.
import { resolve } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { type ProfileName, profileByName } from '../api/profiles.js';
import { realClock } from '../client/clock.js';
import { EventRecorder } from '../client/event-recorder.js';
import { InformerFactory } from '../client/informer.js';
import { ApiClient } from '../client/rest-client.js';
import { ControllerManager } from '../controllers/manager.js';
import { serverNodeFlags } from '../provision/bootstrap/systemd-units.js';
import type { ScoringStrategy } from '../scheduler/schedule.js';
import { Scheduler } from '../scheduler/scheduler.js';

export interface ComponentSpec {
  component: 'scheduler' | 'controller-manager';
  kubeconfig: string;
  profile: ProfileName;
  scoring: ScoringStrategy;
}

type FromThread = { type: 'health'; healthy: boolean } | { type: 'log'; message: string };

export interface ComponentThread {
  healthy(): boolean;
  stop(): Promise<void>;
}

/** Starts a component on a new thread running this same program (see runComponentThread). */
export function startComponentThread(spec: ComponentSpec, log: (m: string) => void): ComponentThread {
  const program = process.argv[1];
  if (!program) throw new Error('cannot locate the kubelab program to start a component thread with');
  const worker = new Worker(resolve(program), {
    workerData: { kubelabComponent: spec },
    // The process's own V8 flags (serverNodeFlags) already apply to every thread's heap, and a
    // Worker refuses V8 flags in its execArgv: the scheduler and controllers would never start.
    execArgv: process.execArgv.filter(
      (arg) => !serverNodeFlags.some((flag) => flagName(flag) === flagName(arg)),
    ),
  });
  let healthy = false;
  let stopping = false;
  worker.on('message', (m: FromThread) => {
    if (m.type === 'health') healthy = m.healthy;
    else log(`${spec.component}: ${m.message}`);
  });
  worker.on('error', (e: Error) => {
    healthy = false;
    log(`${spec.component}: ${e.message}`);
  });
  worker.on('exit', (code) => {
    healthy = false;
    if (!stopping) log(`${spec.component}: thread exited with code ${code}`);
  });
  return {
    healthy: () => healthy,
    async stop() {
      stopping = true;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The thread's side: builds the component from the spec, reports health, stops on request. */
export async function runComponentThread(spec: ComponentSpec): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runComponentThread must run on a worker thread');
  const log = (message: string) => port.postMessage({ type: 'log', message } satisfies FromThread);
  const client = ApiClient.fromKubeconfig(spec.kubeconfig);
  const profile = profileByName(spec.profile);
  const component =
    spec.component === 'scheduler'
      ? new Scheduler({
          client,
          informers: new InformerFactory(client),
          clock: realClock,
          profile,
          recorder: new EventRecorder(client, 'default-scheduler'),
          scoring: spec.scoring,
          log,
        })
      : new ControllerManager({ client, profile, log });
  const report = setInterval(
    () => port.postMessage({ type: 'health', healthy: component.healthy() } satisfies FromThread),
    500,
  );
  port.on('message', async (m) => {
    if (m !== 'stop') return;
    clearInterval(report);
    await component.stop();
    client.close();
    process.exit(0);
  });
  await component.start();
}

const flagName = (arg: string) => arg.split('=')[0];
