// Keys the API server itself signs with (the ServiceAccount token key, the continue-token
// key). They live in the durable store, not in files, so a crash never leaves one
// half-written and every API server sharing the store (a highly available control plane)
// signs and verifies with the same key. They sit outside /registry/, so no API path or list
// can reach them.
import { type Store, StoreError } from '../store/store.js';

const prefix = '/kubelab/keys/';

/** The value stored under `name`, created with `generate()` by the first caller. */
export async function clusterKey(
  store: Store,
  name: string,
  generate: () => string | Promise<string>,
): Promise<string> {
  const key = `${prefix}${name}`;
  const existing = await store.get(key);
  if (existing) return existing.value;
  try {
    return (await store.create(key, await generate())).value;
  } catch (e) {
    // Another API server (or a concurrent start) created it first: theirs wins.
    if (!(e instanceof StoreError && e.code === 'KeyExists')) throw e;
    const winner = await store.get(key);
    if (!winner) throw e;
    return winner.value;
  }
}
