// Starts the TUI: the live model (informers, polls), the actions and log streams on the same
// client, and Ink in the terminal's alternate screen (so the shell's scrollback is left as it
// was), redrawing only the lines that changed. With no cluster yet it opens on the offer to
// start one, and the app follows on the cluster that start made.
import { render } from 'ink';
import type { ApiClient } from '../client/rest-client.js';
import type { ProgressSink } from '../provision/bootstrap/progress-reporter.js';
import type { ClusterRecord } from '../provision/cluster-records.js';
import { ClusterActions } from './actions/cluster-actions.js';
import { ClusterModel } from './data/cluster-model.js';
import { PodLogStream } from './data/pod-log-stream.js';
import type { TuiServices } from './tui-context.js';
import { type ClusterNotStarted, TuiRoot } from './tui-root.js';

export interface TuiCluster {
  client: ApiClient;
  /** The kubelab cluster shown, when there is one (failure injection needs it). */
  cluster?: ClusterRecord;
  clusterLabel: string;
}

export interface RunTuiOptions {
  /** The cluster to show; undefined: there is none, offer to start one with `startCluster`. */
  cluster?: TuiCluster;
  /** `kubelab up` with the defaults, reporting to `progress`; resolves to the cluster it made. */
  startCluster?: (progress: ProgressSink) => Promise<TuiCluster>;
  /** Start narrowed to this namespace; all namespaces when undefined. */
  namespace?: string;
}

/** Resolves when the user quits; rejects with ClusterNotStarted when no cluster was shown. */
export async function runTui({ cluster, startCluster, namespace }: RunTuiOptions): Promise<void> {
  const opened: { model: ClusterModel; client: ApiClient }[] = [];
  const open = ({ client, cluster: record, clusterLabel }: TuiCluster): TuiServices => {
    const model = new ClusterModel(client);
    opened.push({ model, client });
    model.start();
    return {
      source: model,
      actions: new ClusterActions(client, record),
      openLogs: (target) => new PodLogStream(client, target).start(),
      clusterLabel,
    };
  };
  let notStarted: ClusterNotStarted | undefined;
  const ink = render(
    <TuiRoot
      services={cluster && open(cluster)}
      starter={startCluster && (async (progress) => open(await startCluster(progress)))}
      namespace={namespace}
      onNotStarted={(reason) => {
        notStarted = reason;
      }}
    />,
    {
      alternateScreen: true,
      incrementalRendering: true,
      exitOnCtrlC: false,
      // Ink turns itself non-interactive (nothing drawn until exit) when a CI variable is set;
      // the TUI only starts on a TTY, so a terminal is there whatever the environment says.
      interactive: true,
    },
  );
  try {
    await ink.waitUntilExit();
  } finally {
    for (const { model, client } of opened) {
      model.stop();
      client.close();
    }
  }
  if (notStarted) throw notStarted;
}
