// Which /24 of the cluster CIDR (api/cluster-network.ts, 10.244.0.0/16) a new node gets, pure:
// the lowest that no node holds and that was not just given to another.
import type { Node } from 'kubernetes-types/core/v1.js';

function cidrIndex(cidr: string | undefined): number | undefined {
  const m = /^10\.244\.(\d+)\.0\/24$/.exec(cidr ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The lowest /24 of the cluster CIDR that no node holds and that is not in `alsoUsed`, or
 * undefined when all 256 are taken.
 */
export function nextFreePodCIDR(nodes: readonly Node[], alsoUsed: Iterable<string> = []): string | undefined {
  const used = new Set(
    [...nodes.map((n) => n.spec?.podCIDR), ...alsoUsed].map(cidrIndex).filter((i) => i !== undefined),
  );
  for (let i = 0; i < 256; i++) if (!used.has(i)) return `10.244.${i}.0/24`;
  return undefined;
}
