// Starts the TUI on a cluster: the live model (informers, polls), the actions and log streams
// on the same client, and Ink in the terminal's alternate screen (so the shell's scrollback is
// left as it was), redrawing only the lines that changed.
import { render } from 'ink';
import type { ApiClient } from '../client/rest-client.js';
import type { ClusterRecord } from '../provision/cluster-records.js';
import { ClusterActions } from './actions/cluster-actions.js';
import { App } from './app.js';
import { ClusterModel } from './data/cluster-model.js';
import { PodLogStream } from './data/pod-log-stream.js';
import type { TuiServices } from './tui-context.js';

export interface RunTuiOptions {
  client: ApiClient;
  /** The kubelab cluster shown, when there is one (failure injection needs it). */
  cluster?: ClusterRecord;
  clusterLabel: string;
  /** Start narrowed to this namespace; all namespaces when undefined. */
  namespace?: string;
}

export async function runTui({ client, cluster, clusterLabel, namespace }: RunTuiOptions): Promise<void> {
  const model = new ClusterModel(client);
  const services: TuiServices = {
    source: model,
    actions: new ClusterActions(client, cluster),
    openLogs: (target) => new PodLogStream(client, target).start(),
    clusterLabel,
  };
  model.start();
  const ink = render(<App services={services} namespace={namespace} />, {
    alternateScreen: true,
    incrementalRendering: true,
    exitOnCtrlC: false,
  });
  try {
    await ink.waitUntilExit();
  } finally {
    model.stop();
    client.close();
  }
}
