// The kubelet's Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1), the part kubelab's agent
// serves on GET /stats/summary and the API server's metrics.k8s.io reads: node and per-pod,
// per-container cpu and memory. Rates need two samples, so usageNanoCores is absent until the
// agent has taken its second one.

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
}

export interface ContainerStats {
  name: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  containers: ContainerStats[];
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface StatsSummary {
  node: { nodeName: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodStats[];
  /** kubelab: how far apart the samples behind the rates are (the metrics' window), in seconds. */
  windowSeconds: number;
}
