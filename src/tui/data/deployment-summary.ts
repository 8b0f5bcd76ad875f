// The overview's rollout summaries (src/api/deployment-summary.ts), made once per
// change of the snapshot's Deployments or ReplicaSets rather than once per frame.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { type DeploymentSummary, summarizeDeploymentList } from '../../api/deployment-summary.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';

export type {
  DeploymentSummary,
  ReplicaSetShare,
  RolloutPhase,
} from '../../api/deployment-summary.js';

// Frames drawn only because time passed share the previous snapshot's arrays: their summaries
// (template comparisons included) are reused rather than made again every second.
const summaries = new WeakMap<
  readonly Deployment[],
  { replicaSets: readonly ReplicaSet[]; namespace?: string; result: DeploymentSummary[] }
>();

/** Deployments in `namespace` (all when undefined), by namespace and name. */
export function summarizeDeployments(snapshot: ClusterSnapshot, namespace?: string): DeploymentSummary[] {
  const hit = summaries.get(snapshot.deployments);
  if (hit && hit.replicaSets === snapshot.replicaSets && hit.namespace === namespace) return hit.result;
  const result = summarizeDeploymentList(snapshot.deployments, snapshot.replicaSets, namespace);
  summaries.set(snapshot.deployments, { replicaSets: snapshot.replicaSets, namespace, result });
  return result;
}
