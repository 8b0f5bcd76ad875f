// The rollout panel's rows: per Deployment, its revision, updated / ready / available against
// desired, the pods still in older ReplicaSets, a bar of how many pods of the current template
// are ready, and whether a rollout is in progress, paused or stalled. The rollout math is the
// shared one (src/api/deployment-summary.ts); this only lays it out in columns.
import type { DeploymentSummary, RolloutPhase } from '../api/deployment-summary.js';
import { fitText } from './text-fit.js';

export interface RolloutRow {
  /** `name`, or `namespace/name` when several namespaces are shown. */
  name: string;
  revision: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Pods of the current template that are ready. */
  newReady: number;
  /** Pods still held by older ReplicaSets. */
  oldPods: number;
  phase: RolloutPhase;
}

export function rolloutRows(summaries: readonly DeploymentSummary[], showNamespace: boolean): RolloutRow[] {
  return summaries.map((s) => ({
    name: showNamespace ? `${s.namespace}/${s.name}` : s.name,
    revision: s.revision,
    desired: s.desired,
    updated: s.updated,
    ready: s.ready,
    available: s.available,
    newReady: s.newReplicaSet?.ready ?? 0,
    oldPods: s.oldReplicaSets.reduce((sum, rs) => sum + rs.replicas, 0),
    phase: s.phase,
  }));
}

export const phaseMarkers: Record<RolloutPhase, string> = {
  complete: '✓ complete',
  progressing: '→ rolling out',
  paused: '‖ paused',
  stalled: '✗ stalled',
};

export interface RolloutTable {
  header: string;
  /** Each row's columns up to the marker, padded so the markers line up. */
  lines: { text: string; marker: string; phase: RolloutPhase }[];
}

const progressWidth = 8;

/** `filled` of `total` as a bar: ████░░░░. */
export function progressBar(filled: number, total: number, width = progressWidth): string {
  const share = total > 0 ? Math.min(1, filled / total) : 1;
  const full = Math.round(share * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** The rows in aligned columns for a panel `width` columns wide; long names are cut first. */
export function rolloutTable(rows: readonly RolloutRow[], width: number): RolloutTable {
  // PROGRESS: pods of the current template that are ready, against desired.
  const header = ['DEPLOYMENT', 'REV', 'UPDATED', 'READY', 'AVAILABLE', 'OLD', 'PROGRESS'];
  const cells = rows.map((r) => [
    r.name,
    String(r.revision),
    `${r.updated}/${r.desired}`,
    `${r.ready}/${r.desired}`,
    `${r.available}/${r.desired}`,
    String(r.oldPods),
    progressBar(r.newReady, r.desired),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const markerWidth = Math.max(...Object.values(phaseMarkers).map((m) => m.length));
  const rest = widths.slice(1).reduce((sum, w) => sum + w + 1, 0);
  widths[0] = Math.max(8, Math.min(widths[0]!, width - rest - 1 - markerWidth));
  const cell = (text: string, w: number, right: boolean) =>
    right ? fitText(text, w).padStart(w) : fitText(text, w).padEnd(w);
  // Names and bars read left to right; counts line up on the right, as kubectl prints them.
  const line = (c: string[]) =>
    c.map((text, i) => cell(text, widths[i]!, i > 0 && i < c.length - 1)).join(' ');
  return {
    header: `${line(header)} ROLLOUT`,
    lines: cells.map((c, i) => ({
      text: `${line(c)} `,
      marker: phaseMarkers[rows[i]!.phase],
      phase: rows[i]!.phase,
    })),
  };
}
