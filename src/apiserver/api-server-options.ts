// What a caller (the `kubelab server` command, tests, benchmarks) may set on an API server.
import type { Profile } from '../api/profiles.js';
import type { Clock } from '../client/clock.js';
import type { Store } from '../store/store.js';

export interface ApiServerOptions {
  dataDir: string;
  /** Address to listen on; default 0.0.0.0. */
  host?: string;
  /** Port; default 6443; 0 picks a free port. */
  port?: number;
  /** Extra names and addresses the serving certificate must cover. */
  extraSans?: string[];
  clock?: Clock;
  /** Per-request time limit for everything but watches and exec (kube's default is 60 s). */
  requestTimeoutMs?: number;
  /** Read-only requests served at once before 429 (kube's --max-requests-inflight, 400). */
  maxRequestsInFlight?: number;
  /** Mutating requests served at once before 429 (kube's --max-mutating-requests-inflight, 200). */
  maxMutatingRequestsInFlight?: number;
  bookmarkIntervalMs?: number;
  /**
   * How often the store is compacted to the revision of the previous compaction tick (kube's
   * --etcd-compaction-interval, default 5 min): lists and watches can resume within 5-10 min.
   */
  compactionIntervalMs?: number;
  /**
   * Events held for a watcher whose connection is full before it is closed with 410 Expired
   * (default 1000, the most one store commit can publish at once, so a reading watcher is
   * never cut off by a burst; the queue holds the events every watcher shares, not copies).
   */
  watchQueueEvents?: number;
  /** Watches end after this long unless the client asked for less (kube: random 30-60 min). */
  watchTimeoutMs?: () => number;
  /** Use this store instead of `<data-dir>/state.db` (tests). */
  store?: Store;
  /** Name used in the kubeconfig's cluster/context entries. */
  clusterName?: string;
  /** Health checks the process adds (e.g. scheduler, controller manager): name -> healthy? */
  readinessChecks?: Map<string, () => boolean>;
  /**
   * kube's ServiceAccount admission plugin (default on): pods get a ServiceAccount and its token
   * volume. Off only for a server without a controller manager (tests), as kube's integration
   * framework disables it: nothing would create the `default` ServiceAccount pods are given.
   */
  serviceAccountAdmission?: boolean;
  /** Timing profile (default lab); published in kube-system/kubelab-profile. */
  profile?: Profile;
}
