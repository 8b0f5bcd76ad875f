// The per-kind rule table: for each of kubelab's kinds, how kube-apiserver defaults it and
// validates a create, an update and a /status write. The API server calls rulesFor() on
// every write; the rules themselves live in ./defaults and ./validation.

import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultReplicaSet,
  defaultStatefulSet,
} from './defaults/apps.js';
import { defaultHPA } from './defaults/autoscaling.js';
import { defaultCronJob, defaultJob } from './defaults/batch.js';
import {
  defaultEndpoints,
  defaultNamespace,
  defaultNode,
  defaultSecret,
  defaultService,
} from './defaults/core.js';
import { defaultPod } from './defaults/pod.js';
import { defaultBinding } from './defaults/rbac.js';
import { prepareNamespaceForCreate, preparePodForCreate } from './defaults/registry.js';
import { type FieldError, FieldPath } from './field-errors.js';
import {
  type ValidateNameFunc,
  validateConfigMapName,
  validateEndpointsName,
  validateEventName,
  validateHorizontalPodAutoscalerName,
  validateIngressName,
  validateLeaseName,
  validateNamespaceName,
  validateNodeName,
  validatePodName,
  validateRBACName,
  validateSecretName,
  validateServiceAccountName,
  validateServiceName,
  validateWorkloadName,
} from './names.js';
import { apiVersionOf, resources } from './resources.js';
import {
  validateDaemonSetSpec,
  validateDaemonSetStatus,
  validateDeploymentSpec,
  validateDeploymentStatus,
  validateReplicaSetSpec,
  validateReplicaSetStatus,
  validateSelectorUpdate,
  validateStatefulSetSpec,
  validateStatefulSetStatus,
  validateStatefulSetUpdate,
} from './validation/apps.js';
import { validateHPASpec, validateHPAStatus } from './validation/autoscaling.js';
import {
  validateCronJobName,
  validateCronJobSpec,
  validateJobSpec,
  validateJobStatus,
  validateJobUpdate,
} from './validation/batch.js';
import {
  validateConfigMapData,
  validateConfigMapUpdate,
  validateSecretData,
  validateSecretUpdate,
} from './validation/config-data.js';
import { validateEvent } from './validation/event.js';
import { validateIngressSpec, validateIngressStatus } from './validation/ingress.js';
import { validateLeaseSpec } from './validation/lease.js';
import { validateNamespaceSpec, validateNamespaceStatus } from './validation/namespace.js';
import { validateNodeSpec, validateNodeStatus, validateNodeUpdate } from './validation/node.js';
import {
  validateImmutableField,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation/object-meta.js';
import {
  validatePodCreateOnly,
  validatePodSpecRules,
  validatePodStatusUpdate,
  validatePodUpdate,
} from './validation/pod.js';
import {
  validateAggregationRule,
  validateBinding,
  validateBindingUpdate,
  validateRules,
} from './validation/rbac.js';
import {
  validateEndpointSubsets,
  validateServiceSpec,
  validateServiceStatus,
  validateServiceUpdate,
} from './validation/service.js';

export interface KindRules<T = any> {
  /** Fills defaults in place, as Kubernetes' defaulting does on every write (create and update). */
  applyDefaults(obj: T): void;
  /**
   * Registry-strategy changes made only when an object is created (kube's PrepareForCreate),
   * after applyDefaults: a Namespace's "kubernetes" finalizer, a new Pod's Pending status.
   */
  prepareForCreate(obj: T): void;
  /** Validates a create (old undefined) or an update (old = currently stored object), metadata included. */
  validate(obj: T, old?: T): FieldError[];
  /** Validates a write through the /status subresource (status fields only). */
  validateStatus(obj: T, old: T): FieldError[];
}

interface KindDef<T> {
  nameFn: ValidateNameFunc;
  defaults?: (obj: T) => void;
  prepareForCreate?: (obj: T) => void;
  /** Rules for the object's content, checked on create and again on every update. */
  spec?: (obj: T, old?: T) => FieldError[];
  createOnly?: (obj: T) => FieldError[];
  /** What an update may not change. */
  update?: (obj: T, old: T) => FieldError[];
  status?: (obj: T, old: T) => FieldError[];
}

type WithMeta = { metadata?: ObjectMeta };
const metadataPath = FieldPath.root('metadata');

function makeRules<T extends WithMeta>(namespaced: boolean, def: KindDef<T>): KindRules<T> {
  return {
    applyDefaults: (obj) => def.defaults?.(obj),
    prepareForCreate: (obj) => def.prepareForCreate?.(obj),
    validate(obj, old) {
      if (old) {
        return [
          ...validateObjectMetaUpdate(obj.metadata, old.metadata, metadataPath),
          ...(def.spec?.(obj, old) ?? []),
          ...(def.update?.(obj, old) ?? []),
        ];
      }
      return [
        ...validateObjectMeta(obj.metadata, namespaced, def.nameFn, metadataPath),
        ...(def.createOnly?.(obj) ?? []),
        ...(def.spec?.(obj) ?? []),
      ];
    },
    validateStatus: (obj, old) => [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata, metadataPath),
      ...(def.status?.(obj, old) ?? []),
    ],
  };
}

const eventFrozenFields = ['involvedObject', 'reason', 'source', 'firstTimestamp'] as const;

const defs: Record<string, KindDef<any>> = {
  'v1/Namespace': {
    nameFn: validateNamespaceName,
    defaults: defaultNamespace,
    prepareForCreate: prepareNamespaceForCreate,
    spec: validateNamespaceSpec,
    status: validateNamespaceStatus,
  },
  'v1/Node': {
    nameFn: validateNodeName,
    defaults: defaultNode,
    spec: validateNodeSpec,
    update: validateNodeUpdate,
    status: (node, old) => [...validateNodeStatus(node), ...validateNodeUpdate(node, old)],
  },
  'v1/Pod': {
    nameFn: validatePodName,
    defaults: defaultPod,
    prepareForCreate: preparePodForCreate,
    spec: validatePodSpecRules,
    createOnly: validatePodCreateOnly,
    update: validatePodUpdate,
    status: validatePodStatusUpdate,
  },
  'v1/Service': {
    nameFn: validateServiceName,
    defaults: defaultService,
    spec: validateServiceSpec,
    update: validateServiceUpdate,
    status: validateServiceStatus,
  },
  'v1/Endpoints': {
    nameFn: validateEndpointsName,
    defaults: defaultEndpoints,
    spec: validateEndpointSubsets,
  },
  'v1/ConfigMap': {
    nameFn: validateConfigMapName,
    spec: validateConfigMapData,
    update: validateConfigMapUpdate,
  },
  'v1/Secret': {
    nameFn: validateSecretName,
    defaults: defaultSecret,
    spec: validateSecretData,
    update: validateSecretUpdate,
  },
  // kube validates only a ServiceAccount's metadata; it has no defaults.
  'v1/ServiceAccount': { nameFn: validateServiceAccountName },
  'v1/Event': {
    nameFn: validateEventName,
    spec: validateEvent,
    update: (ev, old) =>
      eventFrozenFields.flatMap((k) => validateImmutableField(ev[k], old[k], FieldPath.root(k))),
  },
  'coordination.k8s.io/v1/Lease': { nameFn: validateLeaseName, spec: validateLeaseSpec },
  'apps/v1/Deployment': {
    nameFn: validateWorkloadName,
    defaults: defaultDeployment,
    spec: validateDeploymentSpec,
    update: validateSelectorUpdate,
    status: validateDeploymentStatus,
  },
  'apps/v1/ReplicaSet': {
    nameFn: validateWorkloadName,
    defaults: defaultReplicaSet,
    spec: validateReplicaSetSpec,
    update: validateSelectorUpdate,
    status: validateReplicaSetStatus,
  },
  'apps/v1/DaemonSet': {
    nameFn: validateWorkloadName,
    defaults: defaultDaemonSet,
    spec: validateDaemonSetSpec,
    update: validateSelectorUpdate,
    status: validateDaemonSetStatus,
  },
  'apps/v1/StatefulSet': {
    nameFn: validateWorkloadName,
    defaults: defaultStatefulSet,
    spec: validateStatefulSetSpec,
    update: validateStatefulSetUpdate,
    status: validateStatefulSetStatus,
  },
  'batch/v1/Job': {
    nameFn: validateWorkloadName,
    defaults: defaultJob,
    spec: validateJobSpec,
    update: validateJobUpdate,
    status: validateJobStatus,
  },
  'batch/v1/CronJob': {
    nameFn: validateWorkloadName,
    defaults: defaultCronJob,
    spec: validateCronJobSpec,
    // Older CronJobs with longer names must stay updatable, so the limit applies on create only.
    createOnly: validateCronJobName,
  },
  'networking.k8s.io/v1/Ingress': {
    nameFn: validateIngressName,
    spec: validateIngressSpec,
    status: validateIngressStatus,
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    nameFn: validateHorizontalPodAutoscalerName,
    defaults: defaultHPA,
    spec: validateHPASpec,
    status: validateHPAStatus,
  },
  'rbac.authorization.k8s.io/v1/Role': {
    nameFn: validateRBACName,
    spec: (role) => validateRules(role.rules, true),
  },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    nameFn: validateRBACName,
    spec: (role) => [...validateRules(role.rules, false), ...validateAggregationRule(role.aggregationRule)],
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': {
    nameFn: validateRBACName,
    defaults: defaultBinding,
    spec: (binding) => validateBinding(binding, true),
    update: validateBindingUpdate,
  },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    nameFn: validateRBACName,
    defaults: defaultBinding,
    spec: (binding) => validateBinding(binding, false),
    update: validateBindingUpdate,
  },
};

const table = new Map<string, KindRules>(
  resources.flatMap((r) => {
    const key = `${apiVersionOf(r)}/${r.kind}`;
    const def = defs[key];
    return def ? [[key, makeRules(r.namespaced, def)] as const] : [];
  }),
);

export function rulesFor(apiVersion: string, kind: string): KindRules | undefined {
  return table.get(`${apiVersion}/${kind}`);
}
