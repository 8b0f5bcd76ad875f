// How Kubernetes prints labels and label selectors in tables and describe output
// (labels.FormatLabels, metav1.FormatLabelSelector): keys sorted, "<none>" when empty.
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

function requirementString(r: LabelSelectorRequirement): string {
  const values = [...(r.values ?? [])].sort().join(',');
  switch (r.operator) {
    case 'In':
      return `${r.key} in (${values})`;
    case 'NotIn':
      return `${r.key} notin (${values})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    default:
      return `${r.key} ${r.operator} (${values})`;
  }
}

/** labels.Selector.String() of metav1.LabelSelectorAsSelector: "" for a nil or empty selector. */
export function labelSelectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) return '';
  const parts: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    parts.push({ key, text: `${key}=${value}` });
  for (const r of selector.matchExpressions ?? []) parts.push({ key: r.key, text: requirementString(r) });
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString but "<none>" when it selects by nothing. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  return labelSelectorString(selector) || '<none>';
}
