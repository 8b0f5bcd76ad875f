// "Why did my pod land there?" The scheduler writes its reasoning onto the pod as the
// annotation scheduler.kubelab.dev/explanation, so any API reader (`kubelab describe pod`,
// the TUI, kubectl) can show it: the verdict, kube's summary message, and for a capped set
// of nodes the filter that rejected them or their per-plugin scores. Capped so that at
// 5,000 nodes the annotation stays a few kilobytes.
import type { ExplainedNode, Explanation } from '../api/scheduling-explanation.js';
import { rfc3339 } from '../api/time.js';
import type { ScheduleDecision } from './schedule.js';

export interface ExplanationLimits {
  feasible: number;
  filtered: number;
}

const defaultLimits: ExplanationLimits = { feasible: 20, filtered: 20 };

/** kube's Scheduled event message, reused as the explanation's message for a bound pod. */
export function scheduledMessage(podKey: string, nodeName: string): string {
  return `Successfully assigned ${podKey} to ${nodeName}`;
}

export function explain(
  decision: ScheduleDecision,
  podKey: string,
  atMs: number,
  limits: ExplanationLimits = defaultLimits,
): Explanation {
  const nodes: ExplainedNode[] = [];
  for (const r of decision.ranked.slice(0, limits.feasible))
    nodes.push({ name: r.name, scores: r.scores, total: r.total });
  for (const f of decision.filtered.slice(0, limits.filtered))
    nodes.push({ name: f.name, filtered: { plugin: f.plugin, reason: f.reasons.join(', ') } });
  return {
    at: rfc3339(atMs),
    result: decision.nodeName ? 'Scheduled' : 'Unschedulable',
    ...(decision.nodeName ? { node: decision.nodeName } : {}),
    message: decision.nodeName ? scheduledMessage(podKey, decision.nodeName) : decision.message,
    counts: {
      nodes: decision.totalNodes,
      evaluated: decision.evaluated,
      feasible: decision.ranked.length,
      filtered: decision.filtered.length,
    },
    weights: decision.weights,
    nodes,
  };
}

/** Same verdict and reasoning, whenever it was reached (so a retry that changes nothing writes nothing). */
export function sameExplanation(annotationValue: string | undefined, e: Explanation): boolean {
  if (!annotationValue) return false;
  try {
    const old = JSON.parse(annotationValue) as Explanation;
    return JSON.stringify({ ...old, at: '' }) === JSON.stringify({ ...e, at: '' });
  } catch {
    return false;
  }
}
