// A resource gauge on a node card: requests against allocatable as the bar (what the
// scheduler fits pods into), with live usage from metrics.k8s.io beside it when there is any.
// Drawn htop-style in ASCII (`[|||...]`): Ink measures every line of every frame, and ASCII
// lines take its fast path where block characters cost a grapheme-by-grapheme scan.
import type { Gauge } from '../data/node-summary.js';
import { type Color, dim, paint } from './paint.js';

export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((100 * part) / whole) : 0;
}

function loadColor(p: number): Color {
  return p >= 90 ? 'red' : p >= 70 ? 'yellow' : 'green';
}

/** `cpu [||||.......]  35% use 12%`, exactly `width` columns. */
export function gaugeLine(label: string, gauge: Gauge, width: number): string {
  const requested = percent(gauge.requested, gauge.allocatable);
  const used = gauge.used === undefined ? undefined : percent(gauge.used, gauge.allocatable);
  const figures = `${String(requested).padStart(3)}%${used === undefined ? '' : ` use ${used}%`}`;
  const barWidth = Math.max(4, width - label.length - figures.length - 4);
  const filled = Math.min(barWidth, Math.round((barWidth * requested) / 100));
  const line = `${dim(`${label} [`)}${paint(loadColor(requested), '|'.repeat(filled))}${dim(`${'.'.repeat(barWidth - filled)}]`)} ${figures}`;
  const visible = label.length + barWidth + 4 + figures.length;
  return visible < width ? line + ' '.repeat(width - visible) : line;
}
