// Step: adoption. When the agent takes a pod it has no record of in this process, a runtime
// whose containers outlive the agent (Docker) is asked what it still runs for the pod; the
// sandbox and each container's newest attempt are taken over as they are, so a restarted
// agent restarts nothing. The restart count is the newest container's attempt label.
import type { PodStep, PodStepContext } from '../pod-step.js';

async function adoptFromRuntime(ctx: PodStepContext): Promise<void> {
  if (!ctx.runtime.listPods) return;
  const [found] = await ctx.runtime.listPods(ctx.record.uid);
  if (!found) return;
  if (found.sandbox?.running) ctx.record.sandbox = { id: found.sandbox.id, ip: found.sandbox.ip };
  // Containers come oldest attempt first, so the last one seen per name is the current one
  // and the one before it the kept previous instance (logs --previous).
  const seen = new Set<string>();
  for (const c of found.containers) {
    const record = ctx.record.containers.get(c.name) ?? { restartCount: 0 };
    if (seen.has(c.name)) record.previousId = record.id;
    seen.add(c.name);
    record.id = c.id;
    record.restartCount = Math.max(record.restartCount, c.attempt);
    record.recordedExit = undefined;
    record.adoptStartedAtMs = undefined;
    ctx.record.containers.set(c.name, record);
  }
}

export const adoptStep: PodStep = { name: 'adopt', restore: adoptFromRuntime };
