// `kubelab dashboard` on a cluster: the feed (informers, usage samples, frames) drawn on the
// wall until the user quits, then the terminal given back and the connections closed, so the
// process ends on its own.
import type { ApiClient } from '../client/rest-client.js';
import { DashboardFeed } from './dashboard-feed.js';
import { DashboardScreen } from './dashboard-screen.js';

export interface RunDashboardOptions {
  client: ApiClient;
  /** The kubelab cluster's name, or the server for a --kubeconfig cluster. */
  cluster: string;
  provider?: string;
  /** Namespaced panels narrowed to this namespace; all namespaces when undefined. */
  namespace?: string;
}

const sampleIntervalMs = 2_000;

export async function runDashboard({
  client,
  cluster,
  provider,
  namespace,
}: RunDashboardOptions): Promise<void> {
  try {
    const screen = await DashboardScreen.open({ cluster, provider, namespace, sampleIntervalMs });
    const feed = new DashboardFeed(client, { namespace, sampleIntervalMs });
    const stopDrawing = feed.onFrame((frame) => screen.draw(frame));
    feed.start();
    try {
      await screen.quit;
    } finally {
      stopDrawing();
      feed.stop();
      screen.destroy();
    }
  } finally {
    client.close();
  }
}
