// The three patch types kube-apiserver accepts. JSON patch uses fast-json-patch (RFC 6902,
// maintained, validates operations); merge patch is RFC 7386's short recursive definition;
// strategic merge patch (what kubectl apply/set/cordon send) lives in strategic-merge.ts.
import fastJsonPatch from 'fast-json-patch';
import { statusErrors } from '../api/status-error.js';
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

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}

export function applyPatch(type: PatchType, original: Record<string, unknown>, patch: unknown) {
  switch (type) {
    case 'merge':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
        throw statusErrors.badRequest('a merge patch must be a JSON object');
      }
      return mergePatch(original, patch) as Record<string, unknown>;
    case 'strategic':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
        throw statusErrors.badRequest('a strategic merge patch must be a JSON object');
      }
      return strategicMerge(original, patch as Record<string, unknown>);
    case 'json': {
      if (!Array.isArray(patch)) throw statusErrors.badRequest('a JSON patch must be an array of operations');
      const error = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], original);
      if (error) throw statusErrors.badRequest(`the JSON patch is invalid: ${error.message.split('\n')[0]}`);
      try {
        return fastJsonPatch.applyPatch(
          structuredClone(original),
          patch as fastJsonPatch.Operation[],
          false,
          true,
        ).newDocument as Record<string, unknown>;
      } catch (e) {
        throw statusErrors.badRequest(
          `the JSON patch could not be applied: ${(e as Error).message.split('\n')[0]}`,
        );
      }
    }
    default:
      throw statusErrors.unsupportedMediaType(`unsupported patch type ${type}`);
  }
}
