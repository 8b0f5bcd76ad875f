// Step: restart. An exited container either stays exited (restartPolicy), waits out its
// crash-loop back-off (state waiting/CrashLoopBackOff), or runs again with restartCount + 1
// and the exit it replaces kept as lastState.terminated. As the kubelet's container GC (one
// dead container per pod and container name), the exited container itself is kept until the
// next restart, so `kubectl logs --previous` can still read it. A pod dropped forgets its
// containers' back-off.
import { terminatedState } from '../pod-status.js';
import { type ContainerStepContext, type PodStep, podDescription } from '../pod-step.js';

/** Kubelet's restart rule: does a container that exited with `exitCode` run again? */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number, init: boolean): boolean {
  // Init containers are retried unless the pod never restarts (Always behaves as OnFailure).
  if (init) return restartPolicy !== 'Never' && exitCode !== 0;
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure') return exitCode !== 0;
  return true;
}

/** Go's time.Duration.String() for whole seconds: 10s, 1m20s, 5m0s (as kubelet messages print it). */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function backOffKey(podUid: string, container: string): string {
  return `${podUid}/${container}`;
}

async function restartExited(ctx: ContainerStepContext): Promise<boolean> {
  const { spec, container, status: exited } = ctx;
  if (!exited || !shouldRestart(ctx.pod.spec?.restartPolicy, exited.exitCode ?? 0, ctx.init)) {
    container.waiting = undefined;
    return false;
  }
  const key = backOffKey(ctx.record.uid, spec.name);
  const finishedAt = exited.finishedAtMs ?? ctx.clock.now();
  if (ctx.backoff.isInBackOffSince(key, finishedAt)) {
    const delay = goDuration(ctx.backoff.get(key));
    const message = `back-off ${delay} restarting failed container=${spec.name} pod=${podDescription(ctx.pod)}`;
    if (container.waiting?.message !== message) {
      ctx.recorder.event(
        ctx.pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${spec.name} in pod ${podDescription(ctx.pod)}`,
      );
    }
    container.waiting = { reason: 'CrashLoopBackOff', message };
    ctx.requeueAfter(ctx.backoff.remaining(key, finishedAt));
    return false;
  }
  ctx.backoff.next(key, finishedAt);
  container.lastTermination = terminatedState(exited, ctx.runtime.type);
  if (container.previousId) await ctx.runtime.removeContainer(container.previousId);
  container.previousId = container.id;
  container.id = undefined;
  container.recordedExit = undefined;
  container.restartCount++;
  return true;
}

export const restartStep: PodStep = {
  name: 'restart',
  exited: restartExited,
  async kill(node, remains) {
    for (const c of remains.containers) node.backoff.forget(backOffKey(remains.uid, c.name));
  },
};
