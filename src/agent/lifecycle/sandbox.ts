// Step: the pod sandbox, which gives the pod its IP before any container starts and
// publishes the containers' hostPorts. An agent adopting a pod after a restart asks for the
// pod's recorded IP back. A sandbox that died under the pod (Docker Engine restarted) is
// replaced, as the kubelet does when it sees the sandbox changed.
import type { PortMapping, Sandbox } from '../runtime/runtime.js';
import type { PodStepContext } from './step-context.js';

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

export async function ensureSandbox(ctx: PodStepContext): Promise<Sandbox> {
  const current = ctx.record.sandbox;
  if (current && (!ctx.runtime.podSandboxRunning || (await ctx.runtime.podSandboxRunning(current.id))))
    return current;
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
  const sandbox = await ctx.runtime.runPodSandbox({
    podUid: meta.uid ?? '',
    podName: meta.name ?? '',
    namespace: meta.namespace ?? '',
    preferredIP: ctx.pod.status?.podIP,
    portMappings: portMappings(ctx),
  });
  ctx.record.sandbox = sandbox;
  return sandbox;
}
