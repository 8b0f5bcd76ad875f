// Step: the pod sandbox, which gives the pod its IP before any container starts and
// publishes the containers' hostPorts. An agent adopting a pod after a restart asks for the
// pod's recorded IP back. A sandbox that died under the pod (Docker Engine restarted) is
// replaced, as the kubelet does when it sees the sandbox changed. Dropping the pod removes it.
import type { PodStep, PodStepContext } from '../pod-step.js';
import type { PortMapping } from '../runtime/runtime.js';

function portMappings(ctx: PodStepContext): PortMapping[] {
  const all = [...(ctx.pod.spec?.initContainers ?? []), ...(ctx.pod.spec?.containers ?? [])];
  return all.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort)
      .map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort ?? p.containerPort,
        protocol: p.protocol ?? 'TCP',
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
  );
}

async function ensureSandbox(ctx: PodStepContext): Promise<boolean> {
  const current = ctx.record.sandbox;
  if (current && (!ctx.runtime.podSandboxRunning || (await ctx.runtime.podSandboxRunning(current.id))))
    return true;
  if (current) {
    ctx.recorder.event(
      ctx.pod,
      'Normal',
      'SandboxChanged',
      'Pod sandbox changed, it will be killed and re-created.',
    );
    await ctx.runtime.removeContainer(current.id);
  }
  const meta = ctx.pod.metadata ?? {};
  ctx.record.sandbox = await ctx.runtime.runPodSandbox({
    podUid: meta.uid ?? '',
    podName: meta.name ?? '',
    namespace: meta.namespace ?? '',
    preferredIP: ctx.pod.status?.podIP,
    portMappings: portMappings(ctx),
  });
  return true;
}

export const sandboxStep: PodStep = {
  name: 'sandbox',
  prestart: ensureSandbox,
  async kill(node, remains) {
    if (remains.sandboxId) await node.runtime.removePodSandbox(remains.sandboxId);
  },
};
