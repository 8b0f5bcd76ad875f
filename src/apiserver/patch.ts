// The three patch types kube-apiserver accepts. JSON patch uses fast-json-patch (RFC 6902,
// maintained, validates operations); merge patch is RFC 7386's short recursive definition;
// strategic merge patch (what kubectl apply/set/cordon send) lives in strategic-merge.ts.
import fastJsonPatch from 'fast-json-patch';
import { type FieldError, fieldErrors } from '../api/field-errors.js';
import { statusErrors } from '../api/status-error.js';
import { isJsonObject, type Json, type JsonObject, setOwn } from './json-object.js';
import { strategicMerge } from './strategic-merge.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeFromContentType(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      throw statusErrors.unsupportedMediaType(
        'server-side apply is not supported by kubelab; use client-side apply (kubectl apply without --server-side)',
      );
    default:
      throw statusErrors.unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
  }
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isJsonObject(patch)) return patch;
  const base: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else setOwn(base, k, mergePatch(base[k], v));
  }
  return base;
}

const jsonPatchOperationFields = new Set(['op', 'path', 'value', 'from']);

/**
 * What the patch body's text said beyond its value, reported under fieldValidation as kube
 * does: repeated keys, and for a JSON patch its operations' unknown fields, named as
 * the patch's own (`json patch unknown field "[0].foo"`) rather than the object's.
 */
export function patchFieldErrors(type: PatchType, patch: Json, duplicateFields: string[]): FieldError[] {
  if (type !== 'json') return duplicateFields.map((path) => fieldErrors.duplicateField(path));
  const errs = duplicateFields.map((path) => fieldErrors.duplicateField(path, 'json patch'));
  if (!Array.isArray(patch)) return errs;
  patch.forEach((op, i) => {
    if (!isJsonObject(op)) return;
    for (const k of Object.keys(op))
      if (!jsonPatchOperationFields.has(k)) errs.push(fieldErrors.unknownField(`[${i}].${k}`, 'json patch'));
  });
  return errs;
}

// fast-json-patch refuses to walk through these (banPrototypeModifications), but by throwing a
// TypeError from validate() that would surface as a 500; they are refused here first.
const prototypePath = /(^|\/)(__proto__|constructor\/prototype)(\/|$)/;

function applyJsonPatch(original: JsonObject, patch: Json): JsonObject {
  if (!Array.isArray(patch)) throw statusErrors.badRequest('a JSON patch must be an array of operations');
  for (const op of patch) {
    if (
      isJsonObject(op) &&
      op.op === 'move' &&
      typeof op.from === 'string' &&
      typeof op.path === 'string' &&
      op.path.startsWith(`${op.from}/`)
    )
      throw statusErrors.badRequest(
        `the JSON patch is invalid: a move's from location ${JSON.stringify(op.from)} must not be a prefix of its path ${JSON.stringify(op.path)} (RFC 6902)`,
      );
    for (const pointer of isJsonObject(op) ? [op.path, op.from] : []) {
      if (typeof pointer === 'string' && prototypePath.test(pointer))
        throw statusErrors.badRequest(
          `the JSON patch is invalid: path ${JSON.stringify(pointer)} goes through __proto__ or constructor/prototype, which no Kubernetes object has`,
        );
    }
  }
  const ops = patch as fastJsonPatch.Operation[];
  // validate() dry-runs the operations, and some malformed ones (a move into its own child)
  // make fast-json-patch throw a TypeError rather than return its error: both are the patch's fault.
  let error: Error | undefined;
  try {
    error = fastJsonPatch.validate(ops, original);
  } catch (e) {
    error = e as Error;
  }
  if (error) throw statusErrors.badRequest(`the JSON patch is invalid: ${error.message.split('\n')[0]}`);
  try {
    return fastJsonPatch.applyPatch(structuredClone(original), ops, false, true).newDocument as JsonObject;
  } catch (e) {
    throw statusErrors.badRequest(
      `the JSON patch could not be applied: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

export function applyPatch(type: PatchType, original: JsonObject, patch: Json): JsonObject {
  switch (type) {
    case 'merge':
      if (!isJsonObject(patch)) throw statusErrors.badRequest('a merge patch must be a JSON object');
      return mergePatch(original, patch) as JsonObject;
    case 'strategic':
      if (!isJsonObject(patch))
        throw statusErrors.badRequest('a strategic merge patch must be a JSON object');
      return strategicMerge(original, patch);
    case 'json':
      return applyJsonPatch(original, patch);
    default:
      throw statusErrors.unsupportedMediaType(`unsupported patch type ${type}`);
  }
}
