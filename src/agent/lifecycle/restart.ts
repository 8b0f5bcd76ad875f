// Step: an exited container either stays exited (restartPolicy), waits out its crash-loop
// back-off (state waiting/CrashLoopBackOff), or runs again with restartCount + 1 and the exit
// it replaces kept as lastState.terminated. As the kubelet's container GC (one dead container
// per pod and container name), the exited container itself is kept until the next restart, so
// `kubectl logs --previous` can still read it.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { ContainerRecord } from '../pod-record.js';
import { terminatedState } from '../pod-status.js';
import type { RuntimeContainerStatus } from '../runtime/runtime.js';
import { goDuration, shouldRestart } from './restart-backoff.js';
import { startContainer } from './start-container.js';
import { type PodStepContext, podDescription } from './step-context.js';

export type RestartOutcome = 'stays-exited' | 'backing-off' | 'restarted';

export async function restartExited(
  ctx: PodStepContext,
  spec: Container,
  record: ContainerRecord,
  exited: RuntimeContainerStatus,
  init: boolean,
): Promise<RestartOutcome> {
  if (!shouldRestart(ctx.pod.spec?.restartPolicy, exited.exitCode ?? 0, init)) return 'stays-exited';
  const key = `${ctx.record.uid}/${spec.name}`;
  const finishedAt = exited.finishedAtMs ?? ctx.clock.now();
  if (ctx.backoff.isInBackOffSince(key, finishedAt)) {
    const delay = goDuration(ctx.backoff.get(key));
    const message = `back-off ${delay} restarting failed container=${spec.name} pod=${podDescription(ctx.pod)}`;
    if (record.waiting?.message !== message) {
      ctx.recorder.event(
        ctx.pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${spec.name} in pod ${podDescription(ctx.pod)}`,
      );
    }
    record.waiting = { reason: 'CrashLoopBackOff', message };
    ctx.requeueAfter(ctx.backoff.remaining(key, finishedAt));
    return 'backing-off';
  }
  ctx.backoff.next(key, finishedAt);
  record.lastTermination = terminatedState(exited, ctx.runtime.type);
  if (record.previousId) await ctx.runtime.removeContainer(record.previousId);
  record.previousId = record.id;
  record.id = undefined;
  record.recordedExit = undefined;
  record.restartCount++;
  await startContainer(ctx, spec, record);
  return 'restarted';
}
