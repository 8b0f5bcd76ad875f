// The node heartbeat: kube-node-lease/<node>, renewed every profile.leaseRenewIntervalMs
// (the kubelet's NodeLease controller). The node lifecycle controller reads renewTime; the
// Lease is owned by the Node so deleting the Node removes it.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import { rfc3339Micro } from '../api/time.js';
import type { ApiClient } from '../client/rest-client.js';

export const nodeLeaseNamespace = 'kube-node-lease';

export class NodeLease {
  private lease?: Lease;

  constructor(
    private readonly client: ApiClient,
    private readonly node: Pick<Node, 'metadata'>,
    private readonly durationSeconds: number,
  ) {}

  async renew(nowMs: number): Promise<void> {
    const name = this.node.metadata?.name ?? '';
    const leases = this.client.resource<Lease>(resource.leases, nodeLeaseNamespace);
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: rfc3339Micro(nowMs),
    };
    try {
      if (this.lease) {
        this.lease = await leases.update({ ...this.lease, spec: { ...this.lease.spec, ...spec } });
        return;
      }
      this.lease = await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: nodeLeaseNamespace,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: this.node.metadata?.uid ?? '' }],
        },
        spec,
      });
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      if (e.reason === 'AlreadyExists' || e.reason === 'Conflict') {
        // Someone else wrote it (a previous run of this agent): take the current object and renew it.
        const current = await leases.get(name);
        this.lease = await leases.update({ ...current, spec: { ...current.spec, ...spec } });
      } else if (e.reason === 'NotFound') {
        this.lease = undefined;
        throw e;
      } else throw e;
    }
  }
}
