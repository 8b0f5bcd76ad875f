// kubectl's describe text: one entry point that picks kubectl's layout for the object's kind.
// Each kind group lives in its own file; kinds kubectl has no describer for (Lease, Event,
// and anything else) go through the generic field tree, as they do in kubectl. Pure text from
// objects, kept here rather than in cli/ because `kubelab describe` and the TUI's `d` must
// print the same thing and nothing may import cli/; the CLI fetches the context and prints.
import { describeConfigMap, describeNamespace, describeSecret } from './config-objects.js';
import type { DescribeContext } from './context.js';
import { describeGeneric } from './generic.js';
import { describeEndpoints, describeIngress, describeService } from './network.js';
import { describeNode } from './node.js';
import { describePod } from './pod.js';
import { describeBinding, describeRole } from './rbac.js';
import {
  describeCronJob,
  describeDaemonSet,
  describeDeployment,
  describeHPA,
  describeJob,
  describeReplicaSet,
  describeStatefulSet,
} from './workloads.js';

const describers: Record<string, (obj: any, ctx: DescribeContext) => string> = {
  Pod: describePod,
  Node: describeNode,
  Namespace: describeNamespace,
  Service: describeService,
  Endpoints: describeEndpoints,
  ConfigMap: describeConfigMap,
  Secret: describeSecret,
  Ingress: describeIngress,
  Deployment: describeDeployment,
  ReplicaSet: describeReplicaSet,
  DaemonSet: describeDaemonSet,
  StatefulSet: describeStatefulSet,
  Job: describeJob,
  CronJob: describeCronJob,
  HorizontalPodAutoscaler: describeHPA,
  Role: describeRole,
  ClusterRole: describeRole,
  RoleBinding: describeBinding,
  ClusterRoleBinding: describeBinding,
};

export function describe(obj: { kind?: string } & Record<string, any>, ctx: DescribeContext): string {
  return (describers[obj.kind ?? ''] ?? describeGeneric)(obj, ctx);
}
