// Timing profiles. Every timer that decides how fast the cluster notices and reacts to a
// failure comes from here, so one switch moves the whole cluster between short lab timers
// (a failover within ~10 s, to watch it happen) and Kubernetes' upstream defaults (about
// 6 minutes). The active profile is published in the `kube-system/kubelab-profile`
// ConfigMap so agents, the TUI and labs read the same numbers the control plane uses.

export type ProfileName = 'lab' | 'lab-slow' | 'k8s';

export interface Profile {
  name: ProfileName;
  /** How often an agent renews its Lease in kube-node-lease (kubelet: nodeLeaseDurationSeconds/4). */
  leaseRenewIntervalMs: number;
  /** The Lease's spec.leaseDurationSeconds. */
  leaseDurationSeconds: number;
  /** How often an agent reports node status even when nothing changed. */
  nodeStatusReportIntervalMs: number;
  /** Lease silence after which the node lifecycle controller marks the node Ready=Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** How often the node lifecycle controller checks leases. */
  nodeMonitorPeriodMs: number;
  /** tolerationSeconds of the not-ready / unreachable NoExecute tolerations added to every pod. */
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** How long the scheduler waits before retrying an unschedulable pod when nothing changed. */
  unschedulableRetryMs: number;
}

export const profiles: Record<ProfileName, Profile> = {
  lab: {
    name: 'lab',
    leaseRenewIntervalMs: 1_000,
    leaseDurationSeconds: 4,
    nodeStatusReportIntervalMs: 10_000,
    nodeMonitorGracePeriodMs: 4_000,
    nodeMonitorPeriodMs: 500,
    defaultNotReadyTolerationSeconds: 2,
    defaultUnreachableTolerationSeconds: 2,
    unschedulableRetryMs: 10_000,
  },
  // The lab's timers for machines too slow to keep a 1 s heartbeat: emulated (TCG) VMs, where
  // one vCPU runs Node ~20x slower and the control plane shares it with an agent and dockerd.
  // With `lab`, such nodes flap NotReady while healthy; here a failover takes ~25 s instead.
  'lab-slow': {
    name: 'lab-slow',
    leaseRenewIntervalMs: 2_000,
    leaseDurationSeconds: 20,
    nodeStatusReportIntervalMs: 20_000,
    nodeMonitorGracePeriodMs: 20_000,
    nodeMonitorPeriodMs: 1_000,
    defaultNotReadyTolerationSeconds: 5,
    defaultUnreachableTolerationSeconds: 5,
    unschedulableRetryMs: 10_000,
  },
  k8s: {
    name: 'k8s',
    leaseRenewIntervalMs: 10_000,
    leaseDurationSeconds: 40,
    nodeStatusReportIntervalMs: 300_000,
    nodeMonitorGracePeriodMs: 50_000,
    nodeMonitorPeriodMs: 5_000,
    defaultNotReadyTolerationSeconds: 300,
    defaultUnreachableTolerationSeconds: 300,
    unschedulableRetryMs: 300_000,
  },
};

export function profileByName(name: string): Profile {
  const p = profiles[name as ProfileName];
  if (!p) throw new Error(`unknown profile "${name}": use lab, lab-slow or k8s`);
  return p;
}

/** Where the control plane publishes the active profile. */
export const profileConfigMap = { namespace: 'kube-system', name: 'kubelab-profile' } as const;

/** The ConfigMap data form of a profile (all values as strings, as ConfigMaps require). */
export function profileToData(p: Profile): Record<string, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
}

export function profileFromData(data: Record<string, string> | undefined): Profile {
  const base = profileByName(data?.name ?? 'lab');
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(data ?? {})) {
    if (k in base && k !== 'name') out[k] = Number(v);
  }
  return out as unknown as Profile;
}
