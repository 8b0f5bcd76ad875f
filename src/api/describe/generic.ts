// kubectl's generic describer, used for kinds without their own layout (Lease, Event, and
// anything else): the object's fields as a tree with "smart" labels ("Holder Identity:").
import type { DescribeContext } from './context.js';
import { DescribeWriter } from './describe-writer.js';

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);
const SKIPPED = new Set([
  '.metadata.managedFields',
  '.metadata.name',
  '.metadata.namespace',
  '.metadata.labels',
  '.metadata.annotations',
]);

/** "apiVersion" -> "API Version"; names with characters other than letters and '-' stay as they are. */
export function smartLabel(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[^A-Za-z]+/g) ?? [field];
  return parts
    .filter((p) => p !== '_')
    .map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join(' ');
}

function content(w: DescribeWriter, level: number, obj: Record<string, unknown>, path: string): void {
  for (const field of Object.keys(obj).sort()) {
    const value = obj[field];
    const fieldPath = `${path}.${field}`;
    if (SKIPPED.has(fieldPath) || value === undefined) continue;
    if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const item of value) {
        if (item && typeof item === 'object')
          content(w, level + 1, item as Record<string, unknown>, fieldPath);
        else w.write(level + 1, `${String(item)}\n`);
      }
    } else if (value && typeof value === 'object') {
      w.write(level, `${smartLabel(field)}:\n`);
      content(w, level + 1, value as Record<string, unknown>, fieldPath);
    } else {
      w.line(level, `${smartLabel(field)}:`, value === null ? '<nil>' : String(value));
    }
  }
}

export function describeGeneric(obj: Record<string, any>, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', obj.metadata?.name ?? '');
  w.line(0, 'Namespace:', obj.metadata?.namespace ?? '');
  w.labels('Labels', obj.metadata?.labels);
  w.annotations('Annotations', obj.metadata?.annotations);
  content(w, 0, obj, '');
  w.events(ctx.events, ctx.now);
  return w.toString();
}
