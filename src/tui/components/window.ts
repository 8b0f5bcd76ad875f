// Which slice of a long list fits on screen: the window keeps the selected row visible and
// moves only when the selection would leave it, so rows do not jump while you move.

export function windowStart(selected: number, count: number, height: number, previousStart = 0): number {
  if (height <= 0 || count <= height) return 0;
  let start = Math.min(previousStart, count - height);
  if (selected < start) start = selected;
  if (selected >= start + height) start = selected - height + 1;
  return Math.max(0, Math.min(start, count - height));
}

export function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n));
}
