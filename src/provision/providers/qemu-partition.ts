// Partitioning a running VM from its cluster's segment, through QMP.
//
// Not `set_link off`: that takes the guest's carrier down, networkd then removes eth1's
// address, and the guest routes segment addresses out through eth0, the user-mode NIC, whose
// emulated ICMP answers pings for any address — the "partitioned" machine would appear to
// reach everyone. Instead a filter-redirector on the segment netdev diverts every frame, both
// ways, into a null character device: the link stays up and the address stays, but nothing
// crosses, as when a switch between machines fails. SSH (user-mode NIC) is untouched.

import { segmentNetdevId } from './qemu-command-line.js';
import { QmpError, qmpCommand } from './qemu-qmp.js';

const filterId = 'kubelab-partition';
const sinkId = 'kubelab-partition-sink';

/** Whether the machine is partitioned now (the filter exists in the running qemu). */
export async function segmentPartitioned(qmpSocket: string): Promise<boolean> {
  const objects = (await qmpCommand(qmpSocket, 'qom-list', { path: '/objects' })) as { name: string }[];
  return objects.some((o) => o.name === filterId);
}

export async function partitionSegment(qmpSocket: string): Promise<void> {
  if (await segmentPartitioned(qmpSocket)) return;
  await qmpCommand(qmpSocket, 'chardev-add', { id: sinkId, backend: { type: 'null', data: {} } }).catch(
    (e: unknown) => {
      // Left over from an earlier partition whose filter was removed by hand: reuse it.
      if (!(e instanceof QmpError && /already exists/.test(e.message))) throw e;
    },
  );
  await qmpCommand(qmpSocket, 'object-add', {
    'qom-type': 'filter-redirector',
    id: filterId,
    netdev: segmentNetdevId,
    queue: 'all',
    outdev: sinkId,
  });
}

export async function healSegment(qmpSocket: string): Promise<void> {
  if (await segmentPartitioned(qmpSocket)) await qmpCommand(qmpSocket, 'object-del', { id: filterId });
  const chardevs = (await qmpCommand(qmpSocket, 'query-chardev')) as { label: string }[];
  if (chardevs.some((c) => c.label === sinkId)) await qmpCommand(qmpSocket, 'chardev-remove', { id: sinkId });
}
