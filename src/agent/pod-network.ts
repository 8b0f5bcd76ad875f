// Pod and node addresses. A node's pods get IPs from its pod CIDR: spec.podCIDR when the
// cluster assigned one, otherwise a /24 derived from the node name, so the same node gets
// the same range after every restart without any coordination.
import { createHash } from 'node:crypto';

/** 10.244.0.0/24 .. 10.247.255.0/24 (1,024 ranges, enough to tell 1,000 simulated nodes apart). */
export function derivedPodCIDR(nodeName: string): string {
  const n = createHash('sha256').update(nodeName).digest().readUInt16BE(0) % 1024;
  return `10.${244 + (n >> 8)}.${n & 255}.0/24`;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The node's own address on its pod network: the first host address (a bridge's gateway). */
export function gatewayAddress(cidr: string): string {
  const [base = '10.244.0.0'] = cidr.split('/');
  return intToIPv4(ipv4ToInt(base) + 1);
}

/** Hands out the addresses of one IPv4 CIDR, .2 upwards (.1 is the node), reusing freed ones. */
export class PodIPAllocator {
  private readonly first: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private nextOffset = 0;

  constructor(readonly cidr: string) {
    const [base = '', bits = '24'] = cidr.split('/');
    const prefix = Number(bits);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(base) || !(prefix >= 8 && prefix <= 30))
      throw new Error(`pod CIDR ${cidr}: only IPv4 CIDRs from /8 to /30 are supported`);
    this.size = 2 ** (32 - prefix) - 3;
    this.first = ipv4ToInt(base) + 2;
  }

  allocate(preferred?: string): string {
    if (preferred) {
      const offset = ipv4ToInt(preferred) - this.first;
      if (offset >= 0 && offset < this.size && !this.used.has(offset)) {
        this.used.add(offset);
        return preferred;
      }
    }
    for (let i = 0; i < this.size; i++) {
      const offset = (this.nextOffset + i) % this.size;
      if (this.used.has(offset)) continue;
      this.used.add(offset);
      this.nextOffset = (offset + 1) % this.size;
      return intToIPv4(this.first + offset);
    }
    throw new Error(`pod CIDR ${this.cidr} has no free addresses`);
  }

  release(ip: string): void {
    this.used.delete(ipv4ToInt(ip) - this.first);
  }
}
