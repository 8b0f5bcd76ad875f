import { describe, expect, it } from 'vitest';
import {
  firstHostIndex,
  machineMac,
  nextHostIndex,
  qemuSegment,
  segmentAddress,
} from '../../src/provision/providers/qemu-segment.js';

describe('qemuSegment', () => {
  it('is the same for the same seed, and differs between seeds', () => {
    const a = qemuSegment('/root/.kubelab/clusters/lab');
    expect(qemuSegment('/root/.kubelab/clusters/lab')).toEqual(a);
    // Same cluster name in another KUBELAB_HOME: another switch.
    expect(qemuSegment('/tmp/other-home/clusters/lab').multicast).not.toBe(a.multicast);
  });

  it('keeps clear of the user-mode network, Service and pod ranges, and multicasts organisation-locally', () => {
    for (let i = 0; i < 500; i++) {
      const { subnet, multicast } = qemuSegment(`cluster-${i}`);
      const [, second, third] = /^10\.(\d+)\.(\d+)\.0\/24$/.exec(subnet)!.map(Number);
      // 10.192.0.0/11: not 10.0.2.0/24, 10.96.0.0/12 or 10.244.0.0/14.
      expect(second).toBeGreaterThanOrEqual(192);
      expect(second).toBeLessThanOrEqual(223);
      expect(third).toBeLessThanOrEqual(255);
      const [, g3, g4, port] = /^239\.255\.(\d+)\.(\d+):(\d+)$/.exec(multicast)!.map(Number);
      expect(g3).toBeLessThanOrEqual(255);
      expect(g4).toBeGreaterThanOrEqual(1);
      expect(g4).toBeLessThanOrEqual(254);
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(30_000);
    }
  });

  it('spreads clusters over many segments', () => {
    const groups = new Set(Array.from({ length: 200 }, (_, i) => qemuSegment(`c${i}`).multicast));
    expect(groups.size).toBe(200);
  });
});

describe('segment addresses', () => {
  const segment = { subnet: '10.201.37.0/24', multicast: '239.255.1.2:20000' };

  it('number machines in the /24', () => {
    expect(segmentAddress(segment, 10)).toBe('10.201.37.10');
    expect(segmentAddress(segment, 254)).toBe('10.201.37.254');
    expect(() => segmentAddress(segment, 255)).toThrow(/outside 1..254/);
    expect(() => segmentAddress(segment, 0)).toThrow(/outside/);
  });

  it('are handed out from .10, filling gaps left by removed machines', () => {
    expect(nextHostIndex([])).toBe(firstHostIndex);
    expect(nextHostIndex([10, 11, 12])).toBe(13);
    expect(nextHostIndex([10, 12])).toBe(11);
    expect(nextHostIndex([1, 2, 3])).toBe(10);
    const full = Array.from({ length: 245 }, (_, i) => i + 10);
    expect(() => nextHostIndex(full)).toThrow(/segment is full: 245 machines/);
  });
});

describe('machineMac', () => {
  const segment = { subnet: '10.201.37.0/24', multicast: '239.255.1.2:20000' };

  it('is locally administered, unicast, and distinct per NIC and machine', () => {
    expect(machineMac(segment, 10, 1)).toBe('52:54:00:c9:25:0a');
    expect(machineMac(segment, 10, 0)).toBe('52:54:01:c9:25:0a');
    expect(machineMac(segment, 11, 1)).toBe('52:54:00:c9:25:0b');
    const first = Number.parseInt(machineMac(segment, 10, 1).slice(0, 2), 16);
    expect(first & 0b10).toBe(0b10);
    expect(first & 0b1).toBe(0);
  });
});
