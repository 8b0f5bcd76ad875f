// Strategic merge patch, the patch kubectl sends for built-in kinds (apply, set image,
// cordon, rollout undo/restart). It is a JSON merge patch in which some lists merge element by
// element on a "merge key" instead of being replaced (src/api/patch-merge-keys.ts), plus
// directives ($patch, $setElementOrder/, $deleteFromPrimitiveList/, $retainKeys).
import { type ListStrategy, listStrategy } from '../api/patch-merge-keys.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(v: Json): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function withoutDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = withoutDirectives(val);
  }
  return out;
}

const deleted = Symbol('deleted');

function mergeObject(
  original: Json,
  patch: JsonObject,
  ancestors: readonly string[],
): JsonObject | typeof deleted {
  if (patch.$patch === 'delete') return deleted;
  if (patch.$patch === 'replace') return withoutDirectives(patch) as JsonObject;
  const result: JsonObject = isObject(original) ? { ...original } : {};
  const orders: [string, Json[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(value) ? value : []).map((x) => JSON.stringify(x)));
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, key, ancestors);
    } else if (isObject(value)) {
      const merged = mergeObject(result[key], value, [...ancestors, key]);
      if (merged === deleted) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const current = result[field];
    if (Array.isArray(current)) result[field] = reorder(current, order, listStrategy(field, ancestors));
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}

function identity(item: Json, strategy: ListStrategy | undefined): string {
  if (strategy && 'mergeKey' in strategy && isObject(item)) return JSON.stringify(item[strategy.mergeKey]);
  return JSON.stringify(item);
}

function reorder(items: Json[], order: Json[], strategy: ListStrategy | undefined): Json[] {
  const rank = new Map(order.map((o, i) => [identity(o, strategy), i]));
  const ranked = items.filter((x) => rank.has(identity(x, strategy)));
  ranked.sort((a, b) => (rank.get(identity(a, strategy)) ?? 0) - (rank.get(identity(b, strategy)) ?? 0));
  return [...ranked, ...items.filter((x) => !rank.has(identity(x, strategy)))];
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
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return withoutDirectives(patch.filter((p) => !(isObject(p) && p.$patch === 'replace'))) as Json[];
  }
  const key = strategy.mergeKey;
  const childAncestors = [...ancestors, field];
  for (const item of patch) {
    if (!isObject(item)) {
      base.push(item);
      continue;
    }
    const at = base.findIndex((b) => isObject(b) && JSON.stringify(b[key]) === JSON.stringify(item[key]));
    if (item.$patch === 'delete') {
      if (at >= 0) base.splice(at, 1);
      continue;
    }
    if (at >= 0) {
      const merged = mergeObject(base[at], item, childAncestors);
      if (merged === deleted) base.splice(at, 1);
      else base[at] = merged;
    } else {
      base.push(withoutDirectives(item));
    }
  }
  return base;
}

export function strategicMerge(original: JsonObject, patch: JsonObject): JsonObject {
  const merged = mergeObject(original, patch, []);
  return merged === deleted ? {} : merged;
}
