// GET /metrics: the API server's own metrics in Prometheus text format, named as
// kube-apiserver names them where it has an equivalent (storage size and object counts,
// terminated watchers), plus the store's current and compacted revisions (etcd reports those
// as etcd_debugging_mvcc_current_revision and etcd_debugging_mvcc_compact_revision).
import { type ResourceInfo, resources } from '../api/resources.js';
import type { Store } from '../store/store.js';
import { resourcePrefix } from './storage-keys.js';

/** One family: its help text, type, and samples as label text -> value. */
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: [labels: string, value: number][];
}

function render(families: Family[]): string {
  return families
    .map(
      (f) =>
        `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.samples
          .map(([labels, value]) => `${f.name}${labels ? `{${labels}}` : ''} ${value}\n`)
          .join('')}`,
    )
    .join('');
}

/** Several API versions of one resource share its storage: count each prefix once. */
const storedResources = [...new Map(resources.map((r) => [resourcePrefix(r), r])).values()];

const resourceLabel = (r: ResourceInfo) => `resource="${r.group ? `${r.plural}.${r.group}` : r.plural}"`;

export class ServerMetrics {
  private readonly terminatedWatchers = new Map<ResourceInfo, number>();

  watcherTerminated(r: ResourceInfo): void {
    this.terminatedWatchers.set(r, (this.terminatedWatchers.get(r) ?? 0) + 1);
  }

  async text(store: Store): Promise<string> {
    const counts = await Promise.all(
      storedResources.map(async (r) => [r, await store.count(resourcePrefix(r))] as const),
    );
    return render([
      {
        name: 'apiserver_storage_size_bytes',
        help: 'Size of the storage database file physically allocated in bytes.',
        type: 'gauge',
        samples: [['storage_cluster_id="sqlite"', await store.sizeBytes()]],
      },
      {
        name: 'apiserver_storage_objects',
        help: 'Number of stored objects at the time of last check split by kind.',
        type: 'gauge',
        samples: counts.map(([r, n]) => [resourceLabel(r), n]),
      },
      {
        name: 'apiserver_storage_current_revision',
        help: 'The store revision of the latest write (metadata.resourceVersion).',
        type: 'gauge',
        samples: [['', store.currentRevision()]],
      },
      {
        name: 'apiserver_storage_compacted_revision',
        help: 'History before this revision has been compacted: older lists and watches get 410 Gone.',
        type: 'gauge',
        samples: [['', store.compactedRevision()]],
      },
      {
        name: 'apiserver_terminated_watchers_total',
        help: 'Counter of watchers closed due to unresponsiveness broken by resource type.',
        type: 'counter',
        samples: [...this.terminatedWatchers].map(([r, n]) => [resourceLabel(r), n]),
      },
    ]);
  }
}
