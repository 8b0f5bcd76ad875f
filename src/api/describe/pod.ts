// `describe pod`, laid out like kubectl's describePod. A scheduling explanation (why the
// scheduler chose or rejected nodes) gets its own section just before Events.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { since } from '../table/human-duration.js';
import { describeContainers, describeVolumes } from './containers.js';
import type { DescribeContext } from './context.js';
import { DescribeWriter, rfc1123 } from './describe-writer.js';

export function controllerOf(obj: {
  metadata?: { ownerReferences?: { controller?: boolean; kind: string; name: string }[] };
}): string {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

function qosClass(pod: Pod): string {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const all = containers.map((c) => c.resources ?? {});
  if (
    all.every((r) => Object.keys(r.requests ?? {}).length === 0 && Object.keys(r.limits ?? {}).length === 0)
  ) {
    return 'BestEffort';
  }
  const guaranteed = all.every(
    (r) =>
      ['cpu', 'memory'].every((n) => r.limits?.[n] !== undefined) &&
      Object.entries(r.requests ?? {}).every(([n, q]) => r.limits?.[n] === q),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function describePod(pod: Pod, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  w.line(0, 'Name:', pod.metadata?.name ?? '');
  w.line(0, 'Namespace:', pod.metadata?.namespace ?? '');
  if (spec.priority != null) w.line(0, 'Priority:', spec.priority);
  if (spec.priorityClassName) w.line(0, 'Priority Class Name:', spec.priorityClassName);
  if (spec.runtimeClassName) w.line(0, 'Runtime Class Name:', spec.runtimeClassName);
  if (spec.serviceAccountName) w.line(0, 'Service Account:', spec.serviceAccountName);
  w.line(0, 'Node:', spec.nodeName ? `${spec.nodeName}/${status.hostIP ?? ''}` : '<none>');
  if (status.startTime) w.line(0, 'Start Time:', rfc1123(status.startTime));
  w.labels('Labels', pod.metadata?.labels);
  w.annotations('Annotations', pod.metadata?.annotations);
  if (pod.metadata?.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.line(0, 'Status:', `Terminating (lasts ${since(pod.metadata.deletionTimestamp, ctx.now)})`);
    w.line(0, 'Termination Grace Period:', `${pod.metadata.deletionGracePeriodSeconds ?? 0}s`);
  } else {
    w.line(0, 'Status:', status.phase ?? '');
  }
  if (status.reason) w.line(0, 'Reason:', status.reason);
  if (status.message) w.line(0, 'Message:', status.message);
  w.line(0, 'IP:', status.podIP ?? '');
  if (!status.podIPs?.length) {
    w.line(0, 'IPs:', '<none>');
  } else {
    w.write(0, 'IPs:\n');
    for (const ip of status.podIPs) w.line(1, 'IP:', ip.ip ?? '');
  }
  const controlledBy = controllerOf(pod);
  if (controlledBy) w.line(0, 'Controlled By:', controlledBy);
  if (status.nominatedNodeName) w.line(0, 'NominatedNodeName:', status.nominatedNodeName);
  if (spec.initContainers?.length)
    describeContainers(w, 'Init Containers', spec.initContainers, status.initContainerStatuses);
  describeContainers(w, 'Containers', spec.containers ?? [], status.containerStatuses);
  if (spec.readinessGates?.length) {
    w.write(0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of spec.readinessGates) {
      const condition = status.conditions?.find((c) => c.type === g.conditionType);
      w.write(1, `${g.conditionType} \t${condition?.status ?? '<none>'} \n`);
    }
  }
  if (status.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of status.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, spec.volumes);
  w.line(0, 'QoS Class:', qosClass(pod));
  w.labels('Node-Selectors', spec.nodeSelector);
  w.tolerations('Tolerations', spec.tolerations);
  if (ctx.schedulingExplanation) {
    w.write(0, 'Scheduling Explanation:\n');
    for (const line of ctx.schedulingExplanation.replace(/\n$/, '').split('\n')) w.write(1, `${line}\n`);
  }
  w.events(ctx.events, ctx.now);
  return w.toString();
}
