// Strategic merge patch, the patch kubectl sends for built-in kinds (apply, set image,
// cordon, rollout undo/restart). It is a JSON merge patch in which some lists merge element by
// element on a "merge key" instead of being replaced (src/api/patch-merge-keys.ts), plus
// directives ($patch, $setElementOrder/, $deleteFromPrimitiveList/, $retainKeys).
//
// A directive of the wrong shape is refused with the words of kube's strategicpatch package
// (`invalid patch format of retainKeys`, `unknown patch type: ...`). kube answers some of
// these with 500, having no status for them; here every one is the client's mistake: 400.
import { type ListStrategy, listStrategy } from '../api/patch-merge-keys.js';
import { type StatusError, statusErrors } from '../api/status-error.js';
import { isJsonObject, type Json, type JsonObject, setOwn } from './json-object.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
// kube's prefixes carry no '/': `$setElementOrderX/y` is a malformed directive, not a field.
const setElementOrderPrefix = '$setElementOrder';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';

/** Go's %v of a decoded JSON value, which kube's messages embed (`map[$patch:merge a:1]`). */
function goText(v: Json): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goText).join(' ')}]`;
  if (isJsonObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goText(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

/** Go's name for the type a JSON value decodes to. */
function goType(v: Json): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isJsonObject(v)) return 'map[string]interface {}';
  return typeof v === 'number' ? 'float64' : typeof v === 'boolean' ? 'bool' : 'string';
}

const badPatch = {
  retainKeys: () => statusErrors.badRequest('invalid patch format of retainKeys'),
  setElementOrder: () => statusErrors.badRequest('invalid patch format of setElementOrder list'),
  primitiveList: () => statusErrors.badRequest('invalid patch format of primitive list'),
  type: (directive: Json, m: JsonObject) =>
    statusErrors.badRequest(`unknown patch type: ${goText(directive)} in map: ${goText(m)}`),
  notAMap: (v: Json) =>
    statusErrors.badRequest(`expected a map[string]interface {}, but received a ${goType(v)}`),
  noMergeKey: (m: JsonObject, key: string) =>
    statusErrors.badRequest(`map: ${goText(m)} does not contain declared merge key: ${key}`),
} satisfies Record<string, (...args: never[]) => StatusError>;

/** The field a prefixed directive names (`$setElementOrder/containers` -> containers). */
function directiveField(key: string, prefix: string): string | undefined {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) return undefined;
  return key.slice(slash + 1);
}

function withoutDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutDirectives);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    setOwn(out, k, withoutDirectives(val));
  }
  return out;
}

const deleted = Symbol('deleted');

/**
 * kube's applyRetainKeysDirective check: the list says which fields survive, so a field the
 * patch sets must be on it (nulls and the list directives excepted).
 */
function checkRetainKeys(patch: JsonObject): readonly Json[] | undefined {
  if (!Object.hasOwn(patch, retainKeysDirective)) return undefined;
  const retain = patch[retainKeysDirective];
  if (!Array.isArray(retain)) throw badPatch.retainKeys();
  for (const [k, v] of Object.entries(patch)) {
    if (k === retainKeysDirective || v === null) continue;
    if (k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!retain.includes(k)) throw badPatch.retainKeys();
  }
  return retain;
}

function mergeObject(
  original: Json,
  patch: JsonObject,
  ancestors: readonly string[],
): JsonObject | typeof deleted {
  if (Object.hasOwn(patch, directiveMarker)) {
    const directive = patch[directiveMarker];
    if (directive === 'delete') return deleted;
    if (directive === 'replace') return withoutDirectives(patch) as JsonObject;
    throw badPatch.type(directive, patch);
  }
  const retain = checkRetainKeys(patch);
  const result: JsonObject = isJsonObject(original) ? { ...original } : {};
  const orders: [string, Json[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === retainKeysDirective) continue;
    if (key.startsWith(setElementOrderPrefix)) {
      const field = directiveField(key, setElementOrderPrefix);
      if (field === undefined || !Array.isArray(value)) throw badPatch.setElementOrder();
      // A list missing from patch-merge-keys.ts is replaced whole; its items cannot be
      // matched to the order without the merge key kube would use, so it goes unchecked.
      const strategy = listStrategy(field, ancestors);
      if (strategy) checkElementOrder(patch[field], value, strategy);
      orders.push([field, value]);
      continue;
    }
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      const field = directiveField(key, deleteFromPrimitiveListPrefix);
      if (field === undefined || !Array.isArray(value)) throw badPatch.primitiveList();
      const drop = new Set(value.map((x) => JSON.stringify(x)));
      const current = result[field];
      if (Array.isArray(current))
        setOwn(
          result,
          field,
          current.filter((x) => !drop.has(JSON.stringify(x))),
        );
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      setOwn(result, key, mergeList(result[key], value, key, ancestors));
    } else if (isJsonObject(value)) {
      const merged = mergeObject(result[key], value, [...ancestors, key]);
      if (merged === deleted) delete result[key];
      else setOwn(result, key, merged);
    } else {
      setOwn(result, key, value);
    }
  }
  for (const [field, order] of orders) {
    const current = result[field];
    if (Array.isArray(current))
      setOwn(result, field, reorder(current, order, listStrategy(field, ancestors)));
  }
  if (retain) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}

function mergeKeyOf(strategy: ListStrategy | undefined): string | undefined {
  return strategy && 'mergeKey' in strategy ? strategy.mergeKey : undefined;
}

/** What identifies a list item: its merge key's value, or for primitives the value itself. */
function identity(item: Json, mergeKey: string | undefined): string {
  if (mergeKey === undefined) return JSON.stringify(item);
  if (!isJsonObject(item)) throw badPatch.notAMap(item);
  if (!Object.hasOwn(item, mergeKey)) throw badPatch.noMergeKey(item, mergeKey);
  return JSON.stringify(item[mergeKey]);
}

/**
 * kube's validatePatchWithSetOrderList: the patch's items (deletions aside) must appear in
 * the $setElementOrder list, in its order; the list may also name items the patch leaves out.
 */
function checkElementOrder(patchList: Json, order: Json[], strategy: ListStrategy): void {
  if (patchList === undefined) return;
  if (!Array.isArray(patchList)) throw badPatch.setElementOrder();
  const mergeKey = mergeKeyOf(strategy);
  const items =
    mergeKey === undefined
      ? patchList
      : patchList.filter((p) => !(isJsonObject(p) && p[directiveMarker] === 'delete'));
  let at = 0;
  let wanted = 0;
  while (at < items.length && wanted < order.length) {
    const item = items[at];
    if (isJsonObject(item) && Object.hasOwn(item, directiveMarker)) {
      at++;
      continue;
    }
    if (identity(item, mergeKey) === identity(order[wanted], mergeKey)) at++;
    wanted++;
  }
  if (at < items.length) {
    throw statusErrors.badRequest(
      `the order in patch list:\n${goText(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goText(order)}`,
    );
  }
}

function reorder(items: Json[], order: Json[], strategy: ListStrategy | undefined): Json[] {
  // Order entries were checked against the patch; live items lacking the key sort last.
  const key = (x: Json) => {
    const mergeKey = mergeKeyOf(strategy);
    return mergeKey !== undefined && isJsonObject(x) ? JSON.stringify(x[mergeKey]) : JSON.stringify(x);
  };
  const rank = new Map(order.map((o, i) => [key(o), i]));
  const ranked = items.filter((x) => rank.has(key(x)));
  ranked.sort((a, b) => (rank.get(key(a)) ?? 0) - (rank.get(key(b)) ?? 0));
  return [...ranked, ...items.filter((x) => !rank.has(key(x)))];
}

function mergeList(original: Json, patch: Json[], field: string, ancestors: readonly string[]): Json[] {
  const strategy = listStrategy(field, ancestors);
  if (!strategy) return withoutDirectives(patch) as Json[];
  const base = Array.isArray(original) ? [...original] : [];
  if ('primitiveSet' in strategy) {
    const seen = new Set(base.map((x) => JSON.stringify(x)));
    for (const item of patch) if (!seen.has(JSON.stringify(item))) base.push(item);
    return base;
  }
  for (const item of patch) {
    if (!isJsonObject(item) || !Object.hasOwn(item, directiveMarker)) continue;
    const directive = item[directiveMarker];
    if (directive !== 'replace' && directive !== 'delete') throw badPatch.type(directive, item);
  }
  if (patch.some((p) => isJsonObject(p) && p[directiveMarker] === 'replace')) {
    return withoutDirectives(
      patch.filter((p) => !(isJsonObject(p) && p[directiveMarker] === 'replace')),
    ) as Json[];
  }
  const key = strategy.mergeKey;
  const childAncestors = [...ancestors, field];
  for (const item of patch) {
    const id = identity(item, key);
    const at = base.findIndex((b) => isJsonObject(b) && JSON.stringify(b[key]) === id);
    const patchItem = item as JsonObject;
    if (patchItem[directiveMarker] === 'delete') {
      if (at >= 0) base.splice(at, 1);
      continue;
    }
    if (at >= 0) {
      const merged = mergeObject(base[at], patchItem, childAncestors);
      if (merged === deleted) base.splice(at, 1);
      else base[at] = merged;
    } else {
      base.push(withoutDirectives(patchItem));
    }
  }
  return base;
}

export function strategicMerge(original: JsonObject, patch: JsonObject): JsonObject {
  const merged = mergeObject(original, patch, []);
  return merged === deleted ? {} : merged;
}
