// What a describe printer may use besides the object itself. The CLI fetches these (the
// events about the object, owned ReplicaSets, selected pods, endpoints) before calling.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Endpoints, Event, Pod } from 'kubernetes-types/core/v1.js';

export interface DescribeContext {
  events: Event[];
  /** Milliseconds since the epoch; ages are measured from it. */
  now: number;
  /** Pod only: appended as a "Scheduling Explanation:" section before Events. */
  schedulingExplanation?: string;
  related?: {
    /** Deployment: the ReplicaSets it owns (old and new are told apart here). */
    replicaSets?: ReplicaSet[];
    /** ReplicaSet, DaemonSet, StatefulSet: their pods, counted into "Pods Status". */
    pods?: Pod[];
    /** Service and Ingress backends: the Endpoints objects of the services involved. */
    endpoints?: Endpoints[];
    /** Node: its heartbeat Lease from kube-node-lease. */
    lease?: Lease;
  };
}
