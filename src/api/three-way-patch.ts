// kubectl apply's three-way merge: from the last configuration the user applied (stored in
// the kubectl.kubernetes.io/last-applied-configuration annotation), the configuration now in
// the file, and the live object, build the strategic merge patch that makes the live object
// match the file while keeping what other writers (controllers, defaulting, `kubelab scale`)
// set on fields the file never mentioned. Deleting a field from the file deletes it live.
import { isDeepStrictEqual } from 'node:util';
import { listStrategy } from './patch-merge-keys.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(v: Json): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function diffObject(original: Json, modified: JsonObject, current: Json, ancestors: string[]): JsonObject {
  const o = isObject(original) ? original : {};
  const c = isObject(current) ? current : {};
  const patch: JsonObject = {};
  for (const [key, m] of Object.entries(modified)) {
    const cur = c[key];
    if (isObject(m) && isObject(cur)) {
      const sub = diffObject(o[key], m, cur, [...ancestors, key]);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (Array.isArray(m) && Array.isArray(cur)) {
      Object.assign(patch, diffList(key, o[key], m, cur, ancestors));
    } else if (!isDeepStrictEqual(m, cur)) {
      patch[key] = m;
    }
  }
  for (const key of Object.keys(o)) {
    if (!(key in modified) && key in c) patch[key] = null;
  }
  return patch;
}

/** Returns the patch entries (the list itself and any directive keys) for one list field. */
function diffList(
  field: string,
  original: Json,
  modified: Json[],
  current: Json[],
  ancestors: string[],
): JsonObject {
  const strategy = listStrategy(field, ancestors);
  if (!strategy) return isDeepStrictEqual(modified, current) ? {} : { [field]: modified };
  if ('primitiveSet' in strategy) {
    const added = modified.filter((m) => !current.some((c) => isDeepStrictEqual(c, m)));
    const removed = (Array.isArray(original) ? original : []).filter(
      (x) => !modified.some((m) => isDeepStrictEqual(m, x)) && current.some((c) => isDeepStrictEqual(c, x)),
    );
    const out: JsonObject = {};
    if (added.length) out[field] = added;
    if (removed.length) out[`$deleteFromPrimitiveList/${field}`] = removed;
    return out;
  }
  const key = strategy.mergeKey;
  const same = (a: Json, b: Json) => isObject(a) && isObject(b) && isDeepStrictEqual(a[key], b[key]);
  const originalList = Array.isArray(original) ? original : [];
  const items: Json[] = [];
  for (const m of modified) {
    if (!isObject(m)) continue;
    const cur = current.find((c) => same(c, m));
    if (!cur) {
      items.push(m);
      continue;
    }
    const sub = diffObject(
      originalList.find((x) => same(x, m)),
      m,
      cur,
      [...ancestors, field],
    );
    if (Object.keys(sub).length > 0) items.push({ [key]: m[key], ...sub });
  }
  for (const x of originalList) {
    if (!modified.some((m) => same(m, x)) && current.some((c) => same(c, x))) {
      items.push({ [key]: (x as JsonObject)[key], $patch: 'delete' });
    }
  }
  const currentOrder = current.filter(isObject).map((c) => c[key]);
  const wantedOrder = modified.filter(isObject).map((m) => m[key]);
  const reordered = !isDeepStrictEqual(
    currentOrder.filter((k) => wantedOrder.some((w) => isDeepStrictEqual(w, k))),
    wantedOrder,
  );
  if (items.length === 0 && !reordered) return {};
  return { [field]: items, [`$setElementOrder/${field}`]: wantedOrder.map((v) => ({ [key]: v })) };
}

/** The patch to send, or undefined when the live object already matches the file. */
export function threeWayPatch(
  original: JsonObject | undefined,
  modified: JsonObject,
  current: JsonObject,
): JsonObject | undefined {
  const patch = diffObject(original ?? {}, modified, current, []);
  return Object.keys(patch).length > 0 ? patch : undefined;
}
