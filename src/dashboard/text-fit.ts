// Cutting text to a width with an ellipsis: panels, bar titles and border labels have fixed
// room, and blessed wraps (or blessed-contrib overprints) whatever is longer.

/** `text` if it fits in `width` columns, else its start and "…". */
export function fitText(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, Math.max(0, width)) : `${text.slice(0, width - 1)}…`;
}

/** `text` if it fits, else its start, "…" and its end: "kubelab-worker2" -> "kub…er2", names stay apart. */
export function fitTextMiddle(text: string, width: number): string {
  if (text.length <= width || width <= 2) return fitText(text, width);
  const tail = Math.floor((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}…${text.slice(text.length - tail)}`;
}
