// `describe node`, laid out like kubectl's describeNode, with the heartbeat Lease when the
// caller supplies it. The per-pod resource tables kubectl adds at the end are not printed.
import type { Node } from 'kubernetes-types/core/v1.js';
import { nodeRoles } from '../table/node.js';
import type { DescribeContext } from './context.js';
import { DescribeWriter, rfc1123 } from './describe-writer.js';

// kubectl's SortableResourceNames order is plain string order.
function resourceList(w: DescribeWriter, title: string, list: Record<string, string> | undefined): void {
  const names = Object.keys(list ?? {}).sort();
  if (names.length === 0) return;
  w.write(0, `${title}:\n`);
  for (const name of names) w.line(1, `${name}:`, list![name]!);
}

export function describeNode(node: Node, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const status = node.status ?? {};
  w.line(0, 'Name:', node.metadata?.name ?? '');
  w.line(0, 'Roles:', nodeRoles(node).join(',') || '<none>');
  w.labels('Labels', node.metadata?.labels);
  w.annotations('Annotations', node.metadata?.annotations);
  w.line(0, 'CreationTimestamp:', rfc1123(node.metadata?.creationTimestamp));
  const taints = (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  w.multiline('Taints', taints);
  w.line(0, 'Unschedulable:', String(node.spec?.unschedulable ?? false));
  const lease = ctx.related?.lease;
  if (lease) {
    w.write(0, 'Lease:\n');
    w.line(1, 'HolderIdentity:', lease.spec?.holderIdentity ?? '<unset>');
    w.line(1, 'AcquireTime:', lease.spec?.acquireTime ? rfc1123(lease.spec.acquireTime) : '<unset>');
    w.line(1, 'RenewTime:', lease.spec?.renewTime ? rfc1123(lease.spec.renewTime) : '<unset>');
  }
  if (status.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.line(1, '----', '------', '-----------------', '------------------', '------', '-------');
    for (const c of status.conditions) {
      w.write(
        1,
        `${c.type} \t${c.status} \t${rfc1123(c.lastHeartbeatTime)} \t${rfc1123(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`,
      );
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of status.addresses ?? []) w.line(1, `${a.type}:`, a.address);
  resourceList(w, 'Capacity', status.capacity);
  resourceList(w, 'Allocatable', status.allocatable);
  const info = status.nodeInfo;
  w.write(0, 'System Info:\n');
  w.line(1, 'Machine ID:', info?.machineID ?? '');
  w.line(1, 'System UUID:', info?.systemUUID ?? '');
  w.line(1, 'Boot ID:', info?.bootID ?? '');
  w.line(1, 'Kernel Version:', info?.kernelVersion ?? '');
  w.line(1, 'OS Image:', info?.osImage ?? '');
  w.line(1, 'Operating System:', info?.operatingSystem ?? '');
  w.line(1, 'Architecture:', info?.architecture ?? '');
  w.line(1, 'Container Runtime Version:', info?.containerRuntimeVersion ?? '');
  w.line(1, 'Kubelet Version:', info?.kubeletVersion ?? '');
  w.line(1, 'Kube-Proxy Version:', info?.kubeProxyVersion ?? '');
  if (node.spec?.podCIDR) w.line(0, 'PodCIDR:', node.spec.podCIDR);
  if (node.spec?.podCIDRs?.length) w.line(0, 'PodCIDRs:', node.spec.podCIDRs.join(','));
  if (node.spec?.providerID) w.line(0, 'ProviderID:', node.spec.providerID);
  w.events(ctx.events, ctx.now);
  return w.toString();
}
