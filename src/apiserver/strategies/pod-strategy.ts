// Pods: DefaultTolerationSeconds and ServiceAccount admission, generation from 1 (kube's pod strategy sets it
// even though a pod's spec is mostly immutable), and graceful deletion: a pod bound to a node
// and still running stays, marked, until its agent confirms the containers are gone.
import type { ResourceInfo } from '../../api/resources.js';
import { admitPodCreate } from '../admission.js';
import type { ApiObject } from '../object-meta.js';
import { admitServiceAccount } from '../service-account-admission.js';
import { defaultStrategy } from './default-strategy.js';
import type { ResourceStrategy } from './strategy.js';

export function podStrategy(r: ResourceInfo): ResourceStrategy {
  const plain = defaultStrategy(r);
  return {
    ...plain,
    async admit(pod, ctx) {
      admitPodCreate(pod, ctx.profile);
      if (ctx.admission.serviceAccount) await admitServiceAccount(pod, ctx.store);
    },
    prepareForCreate(pod) {
      plain.prepareForCreate(pod);
      pod.metadata.generation = 1;
    },
    deletionGracePeriod: podGracePeriod,
  };
}

function podGracePeriod(pod: ApiObject, requested: number | undefined): number {
  const spec = pod.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  // A requested 0 means "now" (kubectl --force, or the agent confirming its containers are
  // gone); kubectl itself turns a plain --grace-period=0 into 1.
  return Math.max(requested ?? spec.terminationGracePeriodSeconds ?? 30, 0);
}
