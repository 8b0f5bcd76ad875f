// The scheduler's explanation as the API carries it: the annotation
// scheduler.kubelab.dev/explanation on a pod ("why did my pod land there?"), its JSON shape,
// and how a person reads it. The scheduler writes it (src/scheduler/explanation.ts); the CLI,
// the TUI and labs only read it, so the format lives here with the other API contracts.

export const explanationAnnotation = 'scheduler.kubelab.dev/explanation';

export interface ExplainedNode {
  name: string;
  filtered?: { plugin: string; reason: string };
  scores?: Record<string, number>;
  total?: number;
}

export interface Explanation {
  at: string;
  result: 'Scheduled' | 'Unschedulable';
  node?: string;
  message: string;
  /** All nodes; those evaluated (sampling may stop early); feasible and filtered among them. */
  counts: { nodes: number; evaluated: number; feasible: number; filtered: number };
  /** Plugin weights: total = sum of weight x score. */
  weights: Record<string, number>;
  /** The best feasible nodes by score, then filtered nodes, each list capped. */
  nodes: ExplainedNode[];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd(),
  );
}

/** The explanation as a person reads it: verdict, summary, and a table of nodes. */
export function formatExplanation(annotationValue: string): string {
  let e: Explanation;
  try {
    e = JSON.parse(annotationValue) as Explanation;
  } catch {
    return `(unreadable ${explanationAnnotation} annotation)`;
  }
  const lines: string[] = [];
  lines.push(e.result === 'Scheduled' ? `Scheduled on ${e.node} at ${e.at}` : `Unschedulable at ${e.at}`);
  lines.push(e.message);
  const c = e.counts;
  if (c) {
    const sampled =
      c.evaluated < c.nodes ? ` (evaluated ${c.evaluated} of ${c.nodes}: enough feasible nodes found)` : '';
    lines.push(`${c.nodes} node(s): ${c.feasible} feasible, ${c.filtered} filtered${sampled}`);
  }
  const plugins = Object.keys(e.weights ?? {});
  const header = ['NODE', 'VERDICT', 'TOTAL', ...plugins.map((p) => `${p}(x${e.weights[p]})`), 'REASON'];
  const rows = (e.nodes ?? []).map((n) => {
    if (n.filtered) {
      return [
        n.name,
        'filtered',
        '-',
        ...plugins.map(() => '-'),
        `${n.filtered.plugin}: ${n.filtered.reason}`,
      ];
    }
    return [
      n.name,
      n.name === e.node ? 'chosen' : 'feasible',
      String(n.total ?? ''),
      ...plugins.map((p) => String(n.scores?.[p] ?? '-')),
      '',
    ];
  });
  lines.push('', ...table([header, ...rows]));
  const shown = (e.nodes ?? []).length;
  if (c && shown < c.feasible + c.filtered)
    lines.push(`(${c.feasible + c.filtered - shown} more node(s) not shown)`);
  return lines.join('\n');
}
