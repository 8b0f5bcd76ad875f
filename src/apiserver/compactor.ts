// Compaction on a schedule, as kube-apiserver compacts etcd: every interval (kube: 5 min) the
// store is compacted to the revision it had at the previous tick, so between one and two
// intervals of history stay readable — long enough for a watcher that reconnects or a paged
// list to resume — and the store does not grow with every write ever made.
import type { Clock, TimerHandle } from '../client/clock.js';
import type { Store } from '../store/store.js';

/**
 * What a tick does: compact to the revision recorded at the previous tick when that moves the
 * compacted revision forward (nothing is compacted at the first tick, or when no write came).
 */
export function compactionTarget(previousTick: number | undefined, compacted: number): number | undefined {
  return previousTick !== undefined && previousTick > compacted ? previousTick : undefined;
}

export interface Compactor {
  stop(): void;
}

export function startCompactor(
  store: Store,
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  intervalMs: number,
  log: (message: string) => void,
): Compactor {
  let previousTick: number | undefined = store.currentRevision();
  let timer: TimerHandle | undefined;
  let stopped = false;
  const tick = async () => {
    const target = compactionTarget(previousTick, store.compactedRevision());
    previousTick = store.currentRevision();
    try {
      if (target !== undefined) await store.compact(target);
    } catch (e) {
      // A closing store or a failed transaction: the next tick tries again.
      log(`compaction to revision ${target} failed: ${(e as Error).message}`);
    }
    if (!stopped) timer = clock.setTimeout(() => void tick(), intervalMs);
  };
  timer = clock.setTimeout(() => void tick(), intervalMs);
  return {
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}
