// `describe` for the workload controllers: Deployment (with its old and new ReplicaSets),
// ReplicaSet, DaemonSet, StatefulSet, Job, CronJob and HorizontalPodAutoscaler.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { CronJob, Job, JobTemplateSpec } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { humanDuration } from '../table/human-duration.js';
import { formatLabelSelector, formatLabels, labelSelectorString } from '../table/label-format.js';
import { describePodTemplate } from './containers.js';
import type { DescribeContext } from './context.js';
import { DescribeWriter, rfc1123 } from './describe-writer.js';
import { controllerOf } from './pod.js';

type Condition = { type: string; status: string; reason?: string };

function conditionsTable(w: DescribeWriter, conditions: readonly Condition[] | undefined): void {
  if (!conditions?.length) return;
  w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.line(1, '----', '------', '------');
  for (const c of conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
}

function podsStatus(pods: readonly Pod[] | undefined): string {
  const count = (phase: string) => (pods ?? []).filter((p) => p.status?.phase === phase).length;
  return `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`;
}

function header(w: DescribeWriter, obj: { metadata?: { name?: string; namespace?: string } }): void {
  w.line(0, 'Name:', obj.metadata?.name ?? '');
  w.line(0, 'Namespace:', obj.metadata?.namespace ?? '');
}

function templateWithoutHash(t: PodTemplateSpec | undefined): string {
  const labels = { ...(t?.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  return JSON.stringify({ ...t, metadata: { ...t?.metadata, labels } });
}

function replicaSetsText(list: readonly ReplicaSet[]): string {
  if (list.length === 0) return '<none>';
  return list
    .map(
      (rs) => `${rs.metadata?.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`,
    )
    .join(', ');
}

export function describeDeployment(d: Deployment, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  header(w, d);
  w.line(0, 'CreationTimestamp:', rfc1123(d.metadata?.creationTimestamp));
  w.labels('Labels', d.metadata?.labels);
  w.annotations('Annotations', d.metadata?.annotations);
  w.line(0, 'Selector:', labelSelectorString(d.spec?.selector));
  const s = d.status ?? {};
  w.line(
    0,
    'Replicas:',
    `${d.spec?.replicas ?? 1} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable`,
  );
  const strategy = d.spec?.strategy;
  w.line(0, 'StrategyType:', strategy?.type ?? 'RollingUpdate');
  w.line(0, 'MinReadySeconds:', d.spec?.minReadySeconds ?? 0);
  if (strategy?.rollingUpdate) {
    const ru = strategy.rollingUpdate;
    w.line(
      0,
      'RollingUpdateStrategy:',
      `${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge`,
    );
  }
  describePodTemplate(w, d.spec?.template);
  conditionsTable(w, s.conditions);
  const replicaSets = ctx.related?.replicaSets;
  if (replicaSets) {
    const template = templateWithoutHash(d.spec?.template);
    const newRS = replicaSets.filter((rs) => templateWithoutHash(rs.spec?.template) === template);
    const oldRSs = replicaSets.filter((rs) => !newRS.includes(rs) && (rs.spec?.replicas ?? 0) !== 0);
    w.line(0, 'OldReplicaSets:', replicaSetsText(oldRSs));
    w.line(0, 'NewReplicaSet:', replicaSetsText(newRS.slice(0, 1)));
  }
  w.events(ctx.events, ctx.now);
  return w.toString();
}

export function describeReplicaSet(rs: ReplicaSet, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  header(w, rs);
  w.line(0, 'Selector:', formatLabelSelector(rs.spec?.selector));
  w.labels('Labels', rs.metadata?.labels);
  w.annotations('Annotations', rs.metadata?.annotations);
  const controlledBy = controllerOf(rs);
  if (controlledBy) w.line(0, 'Controlled By:', controlledBy);
  w.line(0, 'Replicas:', `${rs.status?.replicas ?? 0} current / ${rs.spec?.replicas ?? 1} desired`);
  w.line(0, 'Pods Status:', podsStatus(ctx.related?.pods));
  describePodTemplate(w, rs.spec?.template);
  conditionsTable(w, rs.status?.conditions);
  w.events(ctx.events, ctx.now);
  return w.toString();
}

export function describeDaemonSet(ds: DaemonSet, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const s = ds.status;
  w.line(0, 'Name:', ds.metadata?.name ?? '');
  w.line(0, 'Selector:', labelSelectorString(ds.spec?.selector));
  w.line(0, 'Node-Selector:', formatLabels(ds.spec?.template?.spec?.nodeSelector));
  w.labels('Labels', ds.metadata?.labels);
  w.annotations('Annotations', ds.metadata?.annotations);
  w.write(0, `Desired Number of Nodes Scheduled: ${s?.desiredNumberScheduled ?? 0}\n`);
  w.write(0, `Current Number of Nodes Scheduled: ${s?.currentNumberScheduled ?? 0}\n`);
  w.write(0, `Number of Nodes Scheduled with Up-to-date Pods: ${s?.updatedNumberScheduled ?? 0}\n`);
  w.write(0, `Number of Nodes Scheduled with Available Pods: ${s?.numberAvailable ?? 0}\n`);
  w.write(0, `Number of Nodes Misscheduled: ${s?.numberMisscheduled ?? 0}\n`);
  w.line(0, 'Pods Status:', podsStatus(ctx.related?.pods));
  describePodTemplate(w, ds.spec?.template);
  w.events(ctx.events, ctx.now);
  return w.toString();
}

export function describeStatefulSet(sts: StatefulSet, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  header(w, sts);
  w.line(0, 'CreationTimestamp:', rfc1123(sts.metadata?.creationTimestamp));
  w.line(0, 'Selector:', labelSelectorString(sts.spec?.selector));
  w.labels('Labels', sts.metadata?.labels);
  w.annotations('Annotations', sts.metadata?.annotations);
  w.line(0, 'Replicas:', `${sts.spec?.replicas ?? 1} desired | ${sts.status?.replicas ?? 0} total`);
  const strategy = sts.spec?.updateStrategy;
  w.line(0, 'Update Strategy:', strategy?.type ?? 'RollingUpdate');
  if (strategy?.rollingUpdate?.partition != null) w.line(1, 'Partition:', strategy.rollingUpdate.partition);
  if (strategy?.rollingUpdate?.maxUnavailable != null)
    w.line(1, 'MaxUnavailable:', strategy.rollingUpdate.maxUnavailable);
  w.line(0, 'Pods Status:', podsStatus(ctx.related?.pods));
  describePodTemplate(w, sts.spec?.template);
  const claims = sts.spec?.volumeClaimTemplates ?? [];
  if (claims.length === 0) {
    w.line(0, 'Volume Claims:', '<none>');
  } else {
    w.write(0, 'Volume Claims:\n');
    for (const pvc of claims) {
      w.line(1, 'Name:', pvc.metadata?.name ?? '');
      w.line(1, 'StorageClass:', pvc.spec?.storageClassName ?? '');
      w.labels('  Labels', pvc.metadata?.labels);
      w.annotations('  Annotations', pvc.metadata?.annotations);
      w.line(1, 'Capacity:', pvc.spec?.resources?.requests?.storage ?? '<default>');
      w.line(1, 'Access Modes:', (pvc.spec?.accessModes ?? []).join(', '));
    }
  }
  w.events(ctx.events, ctx.now);
  return w.toString();
}

export function describeJob(job: Job, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const spec = job.spec;
  const s = job.status ?? {};
  header(w, job);
  w.line(0, 'Selector:', labelSelectorString(spec?.selector));
  w.labels('Labels', job.metadata?.labels);
  w.annotations('Annotations', job.metadata?.annotations);
  const controlledBy = controllerOf(job);
  if (controlledBy) w.line(0, 'Controlled By:', controlledBy);
  if (spec?.parallelism != null) w.line(0, 'Parallelism:', spec.parallelism);
  w.line(0, 'Completions:', spec?.completions ?? '<unset>');
  if (spec?.completionMode) w.line(0, 'Completion Mode:', spec.completionMode);
  if (spec?.suspend != null) w.line(0, 'Suspend:', String(spec.suspend));
  if (spec?.backoffLimit != null) w.line(0, 'Backoff Limit:', spec.backoffLimit);
  if (spec?.ttlSecondsAfterFinished != null)
    w.line(0, 'TTL Seconds After Finished:', spec.ttlSecondsAfterFinished);
  if (s.startTime) w.line(0, 'Start Time:', rfc1123(s.startTime));
  if (s.completionTime) w.line(0, 'Completed At:', rfc1123(s.completionTime));
  if (s.startTime && s.completionTime) {
    w.line(0, 'Duration:', humanDuration(Date.parse(s.completionTime) - Date.parse(s.startTime)));
  }
  if (spec?.activeDeadlineSeconds != null)
    w.line(0, 'Active Deadline Seconds:', `${spec.activeDeadlineSeconds}s`);
  const active = s.ready == null ? `${s.active ?? 0} Active` : `${s.active ?? 0} Active (${s.ready} Ready)`;
  w.line(0, 'Pods Statuses:', `${active} / ${s.succeeded ?? 0} Succeeded / ${s.failed ?? 0} Failed`);
  describePodTemplate(w, spec?.template);
  w.events(ctx.events, ctx.now);
  return w.toString();
}

function describeJobTemplate(w: DescribeWriter, t: JobTemplateSpec | undefined): void {
  const spec = t?.spec;
  w.line(0, 'Selector:', spec?.selector ? labelSelectorString(spec.selector) : '<unset>');
  w.line(0, 'Parallelism:', spec?.parallelism ?? '<unset>');
  w.line(0, 'Completions:', spec?.completions ?? '<unset>');
  if (spec?.activeDeadlineSeconds != null)
    w.line(0, 'Active Deadline Seconds:', `${spec.activeDeadlineSeconds}s`);
  describePodTemplate(w, spec?.template);
}

export function describeCronJob(cj: CronJob, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const spec = cj.spec;
  header(w, cj);
  w.labels('Labels', cj.metadata?.labels);
  w.annotations('Annotations', cj.metadata?.annotations);
  w.line(0, 'Schedule:', spec?.schedule ?? '');
  w.line(0, 'Concurrency Policy:', spec?.concurrencyPolicy ?? '');
  w.line(0, 'Suspend:', spec?.suspend == null ? '<unset>' : spec.suspend ? 'True' : 'False');
  w.line(0, 'Successful Job History Limit:', spec?.successfulJobsHistoryLimit ?? '<unset>');
  w.line(0, 'Failed Job History Limit:', spec?.failedJobsHistoryLimit ?? '<unset>');
  w.line(
    0,
    'Starting Deadline Seconds:',
    spec?.startingDeadlineSeconds != null ? `${spec.startingDeadlineSeconds}s` : '<unset>',
  );
  describeJobTemplate(w, spec?.jobTemplate);
  w.line(
    0,
    'Last Schedule Time:',
    cj.status?.lastScheduleTime ? rfc1123(cj.status.lastScheduleTime) : '<unset>',
  );
  const active = (cj.status?.active ?? []).map((r) => r.name ?? '');
  w.line(0, 'Active Jobs:', active.join(', ') || '<none>');
  w.events(ctx.events, ctx.now);
  return w.toString();
}

export function describeHPA(hpa: HorizontalPodAutoscaler, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const spec = hpa.spec;
  header(w, hpa);
  w.labels('Labels', hpa.metadata?.labels);
  w.annotations('Annotations', hpa.metadata?.annotations);
  w.line(0, 'CreationTimestamp:', rfc1123(hpa.metadata?.creationTimestamp));
  w.line(0, 'Reference:', `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`);
  w.line(0, 'Metrics:', '( current / target )');
  (spec?.metrics ?? []).forEach((m, i) => {
    const status = hpa.status?.currentMetrics?.[i];
    if (m.type === 'Resource' && m.resource) {
      const target = m.resource.target;
      const current = status?.resource?.current;
      if (target.averageValue != null) {
        w.line(
          1,
          `resource ${m.resource.name} on pods:`,
          `${current?.averageValue ?? '<unknown>'} / ${target.averageValue}`,
        );
      } else {
        const cur =
          current?.averageUtilization != null
            ? `${current.averageUtilization}% (${current.averageValue ?? '0'})`
            : '<unknown>';
        const tgt = target.averageUtilization != null ? `${target.averageUtilization}%` : '<auto>';
        w.line(1, `resource ${m.resource.name} on pods  (as a percentage of request):`, `${cur} / ${tgt}`);
      }
    } else if (m.type === 'Pods' && m.pods) {
      w.line(
        1,
        `"${m.pods.metric.name}" on pods:`,
        `${status?.pods?.current?.averageValue ?? '<unknown>'} / ${m.pods.target.averageValue ?? ''}`,
      );
    } else {
      w.line(1, `<unknown metric type "${m.type}">`);
    }
  });
  w.line(0, 'Min replicas:', spec?.minReplicas ?? '<unset>');
  w.line(0, 'Max replicas:', spec?.maxReplicas ?? 0);
  w.line(
    0,
    `${spec?.scaleTargetRef?.kind ?? ''} pods:`,
    `${hpa.status?.currentReplicas ?? 0} current / ${hpa.status?.desiredReplicas ?? 0} desired`,
  );
  const conditions = hpa.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n');
    w.line(1, 'Type', 'Status', 'Reason', 'Message');
    w.line(1, '----', '------', '------', '-------');
    for (const c of conditions) w.line(1, c.type, c.status, c.reason ?? '', c.message ?? '');
  }
  w.events(ctx.events, ctx.now);
  return w.toString();
}
