// The text of describe, YAML and the scheduler's explanation for an object in a snapshot.
// Describe gets what `kubelab describe` fetches (the object's events, a Deployment's
// ReplicaSets) and more that the cache has for free (a node's Lease, a ReplicaSet's pods,
// Services' endpoints when watched), and is redrawn as the object changes.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Endpoints, Event, Pod } from 'kubernetes-types/core/v1.js';
import type { DescribeContext } from '../../api/describe/context.js';
import { describe } from '../../api/describe/describe.js';
import type { KubeObject } from '../../api/kube-object.js';
import { objectYaml } from '../../api/object-text.js';
import { controllerRefOf } from '../../api/owner-references.js';
import { explanationAnnotation, formatExplanation } from '../../api/scheduling-explanation.js';
import type { ClusterSnapshot } from '../data/cluster-snapshot.js';
import type { ObjectRef, TextMode } from '../navigation.js';

export function findObject(snapshot: ClusterSnapshot, ref: ObjectRef): KubeObject | undefined {
  return snapshot.objects
    .get(ref.resource.plural)
    ?.find(
      (o) =>
        o.metadata?.name === ref.name &&
        (o.metadata?.namespace ?? undefined) === (ref.namespace ?? undefined),
    );
}

function eventsAbout(snapshot: ClusterSnapshot, obj: KubeObject): Event[] {
  const m = obj.metadata ?? {};
  return snapshot.events.filter((e) => {
    const o = e.involvedObject;
    if (m.uid && o?.uid) return o.uid === m.uid;
    return o?.name === m.name && o?.kind === obj.kind && (o?.namespace ?? '') === (m.namespace ?? '');
  });
}

function describeContext(snapshot: ClusterSnapshot, obj: KubeObject): DescribeContext {
  const uid = obj.metadata?.uid;
  const owned = <T extends KubeObject>(list: readonly T[]) =>
    list.filter((o) => controllerRefOf(o)?.uid === uid);
  const related: DescribeContext['related'] = {};
  if (obj.kind === 'Deployment') related.replicaSets = owned<ReplicaSet>(snapshot.replicaSets);
  if (obj.kind === 'ReplicaSet' || obj.kind === 'DaemonSet' || obj.kind === 'StatefulSet')
    related.pods = owned<Pod>(snapshot.pods);
  if (obj.kind === 'Node') related.lease = snapshot.leases.get(obj.metadata?.name ?? '');
  const endpoints = snapshot.objects.get('endpoints') as Endpoints[] | undefined;
  if (endpoints && (obj.kind === 'Service' || obj.kind === 'Ingress')) related.endpoints = endpoints;
  const explanation = obj.metadata?.annotations?.[explanationAnnotation];
  return {
    events: eventsAbout(snapshot, obj),
    now: snapshot.now,
    related,
    schedulingExplanation: explanation ? formatExplanation(explanation) : undefined,
  };
}

export function objectText(snapshot: ClusterSnapshot, obj: KubeObject, mode: TextMode): string {
  if (mode === 'yaml') return objectYaml(obj);
  if (mode === 'describe') return describe(obj, describeContext(snapshot, obj));
  const explanation = obj.metadata?.annotations?.[explanationAnnotation];
  if (explanation) return formatExplanation(explanation);
  const node = (obj as Pod).spec?.nodeName;
  return node
    ? `pod ${obj.metadata?.name} is on ${node} but carries no ${explanationAnnotation} annotation: it was bound by something other than kubelab's scheduler`
    : `pod ${obj.metadata?.name} has not been through the scheduler yet (no ${explanationAnnotation} annotation)`;
}
