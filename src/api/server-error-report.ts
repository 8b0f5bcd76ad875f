// How kubelab (the CLI, the TUI) reports what the API server refused: kubectl's `Error from server (Reason):`
// line, and — when the object came from a file — one line per offending field, pointing at
// the file and line where that field is written.
import type { ManifestDoc } from './manifest.js';
import { StatusError } from './status-error.js';

export function describeServerError(e: unknown, doc?: ManifestDoc, verb = 'applying'): string {
  if (!(e instanceof StatusError)) return `error: ${(e as Error).message ?? String(e)}`;
  const head = doc
    ? `Error from server (${e.reason}): error when ${verb} "${doc.source}": ${e.message}`
    : `Error from server (${e.reason}): ${e.message}`;
  const causes = e.details?.causes ?? [];
  if (!doc || causes.length === 0) return head;
  const lines = causes.map((c) => {
    const line = c.field ? doc.lineOf(c.field) : undefined;
    const where = line !== undefined ? `${doc.source}:${line}` : doc.source;
    return `  ${where} ${c.field ? `${c.field}: ` : ''}${c.message}`;
  });
  return `${head}\n${lines.join('\n')}\n  fix the field(s) above in ${doc.source} and apply it again`;
}
