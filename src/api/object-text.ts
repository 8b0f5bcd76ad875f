// An object as `-o yaml` and `-o json` print it. kubectl prints objects through unstructured
// maps, so keys come out sorted at every level; JSON is indented by four spaces. Shared by the
// CLI's printers and the TUI's `y` so both show the same text.
import { dump } from 'js-yaml';

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) sorted[key] = sortKeysDeep(v);
    }
    return sorted;
  }
  return value;
}

export function objectYaml(value: unknown): string {
  return dump(sortKeysDeep(value), { seqNoIndent: true, quoteStyle: 'double', lineWidth: -1, noRefs: true });
}

export function objectJson(value: unknown): string {
  return `${JSON.stringify(sortKeysDeep(value), null, 4)}\n`;
}
