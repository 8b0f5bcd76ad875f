// Every controller the controller manager runs, in the order they start.
import { clusterRoleAggregationController } from './clusterrole-aggregation-controller.js';
import type { ControllerFactory } from './context.js';
import { cronJobController } from './cronjob-controller.js';
import { daemonSetController } from './daemonset-controller.js';
import { deploymentController } from './deployment-controller.js';
import { endpointsController } from './endpoints-controller.js';
import { garbageCollector } from './garbage-collector.js';
import { jobController } from './job-controller.js';
import { namespaceController } from './namespace-controller.js';
import { nodeIpamController } from './node-ipam-controller.js';
import { nodeLifecycleController } from './node-lifecycle-controller.js';
import { podGarbageCollector } from './pod-gc-controller.js';
import { replicaSetController } from './replicaset-controller.js';
import { rootCAPublisher } from './root-ca-publisher.js';
import { serviceAccountController } from './serviceaccount-controller.js';
import { statefulSetController } from './statefulset-controller.js';
import { taintEvictionController } from './taint-eviction-controller.js';

export const allControllers: ControllerFactory[] = [
  nodeIpamController,
  nodeLifecycleController,
  taintEvictionController,
  podGarbageCollector,
  garbageCollector,
  namespaceController,
  serviceAccountController,
  rootCAPublisher,
  replicaSetController,
  deploymentController,
  daemonSetController,
  statefulSetController,
  jobController,
  cronJobController,
  endpointsController,
  clusterRoleAggregationController,
];
