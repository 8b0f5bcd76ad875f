// What views read cluster state from: the live ClusterModel, or a SnapshotSource holding
// fixture snapshots (component tests, the render benchmark). Shaped for useSyncExternalStore.
import type { ResourceInfo } from '../../api/resources.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';

export interface ClusterSource {
  subscribe(listener: () => void): () => void;
  getSnapshot(): ClusterSnapshot;
  /** Asks for a kind the overview does not watch (a `:sts` list); idempotent. */
  watch(resource: ResourceInfo): void;
}

/** A source whose snapshots are set by hand. */
export class SnapshotSource implements ClusterSource {
  private readonly listeners = new Set<() => void>();
  readonly watched = new Set<string>();

  constructor(private current: ClusterSnapshot) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ClusterSnapshot => this.current;

  watch(resource: ResourceInfo): void {
    this.watched.add(resource.plural);
  }

  set(snapshot: ClusterSnapshot): void {
    this.current = snapshot;
    for (const l of this.listeners) l();
  }
}
