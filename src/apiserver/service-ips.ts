// ClusterIP allocation, as kube-apiserver's service registry does it: every Service except a
// headless one (`clusterIP: None`) gets a free address from the service range on create, or
// keeps the one it asked for if that is free and in range. 10.96.0.1 (the `kubernetes`
// service) and 10.96.0.10 (cluster DNS) are reserved, as in kubeadm clusters.
import { statusErrors } from '../api/status-error.js';
import type { Store } from '../store/store.js';

const base = (10 << 24) | (96 << 16); // 10.96.0.0/12
const size = 1 << 20;
const reserved = new Set([0, 1, 10, size - 1]);

function toText(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function toNumber(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

async function usedOffsets(store: Store): Promise<Set<number>> {
  const used = new Set<number>();
  const page = await store.list('/registry/core/services/');
  for (const kv of page.items) {
    const ip = (JSON.parse(kv.value) as { spec?: { clusterIP?: string } }).spec?.clusterIP;
    const n = ip ? toNumber(ip) : undefined;
    if (n !== undefined) used.add(n - base);
  }
  return used;
}

/** Fills spec.clusterIP (and clusterIPs) of a Service being created. */
export async function allocateClusterIP(
  store: Store,
  service: { metadata: { name?: string }; spec?: unknown },
): Promise<void> {
  const spec = (service.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[]; type?: string };
  if (spec.type === 'ExternalName' || spec.clusterIP === 'None') return;
  const used = await usedOffsets(store);
  if (spec.clusterIP) {
    const offset = (toNumber(spec.clusterIP) ?? -1) - base;
    if (offset < 0 || offset >= size || reserved.has(offset)) {
      throw statusErrors.invalid(
        { group: '', resource: 'services', kind: 'Service', name: service.metadata.name },
        [
          {
            type: 'FieldValueInvalid',
            field: 'spec.clusterIP',
            message: `Invalid value: "${spec.clusterIP}": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
          },
        ],
      );
    }
    if (used.has(offset)) {
      throw statusErrors.invalid(
        { group: '', resource: 'services', kind: 'Service', name: service.metadata.name },
        [
          {
            type: 'FieldValueInvalid',
            field: 'spec.clusterIP',
            message: `Invalid value: "${spec.clusterIP}": provided IP is already allocated`,
          },
        ],
      );
    }
  } else {
    let offset = 0;
    for (let tries = 0; tries < 64 && (offset === 0 || reserved.has(offset) || used.has(offset)); tries++) {
      offset = 2 + Math.floor(Math.random() * (size - 3));
    }
    if (used.has(offset) || reserved.has(offset))
      throw statusErrors.internal('no free ClusterIP in 10.96.0.0/12');
    spec.clusterIP = toText(base + offset);
  }
  spec.clusterIPs = [spec.clusterIP!];
  service.spec = spec;
}
