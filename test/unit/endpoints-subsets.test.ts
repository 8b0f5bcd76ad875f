// Building Endpoints subsets from pods: readiness, named target ports, terminal and
// terminating pods, publishNotReadyAddresses, hostnames, and stable packing.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { buildEndpointSubsets, findPodPort } from '../../src/controllers/endpoints-subsets.js';

const service = (spec: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec },
});

function pod(
  name: string,
  ip: string,
  opts: { ready?: boolean; port?: number; phase?: string; terminating?: boolean; hostname?: string } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...(opts.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: 'node-a',
      restartPolicy: 'Always',
      ...(opts.hostname ? { hostname: opts.hostname, subdomain: 'web' } : {}),
      containers: [{ name: 'c', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }],
    },
    status: {
      phase: opts.phase ?? 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('endpoints subsets', () => {
  it('resolves numeric and named target ports', () => {
    const p = pod('a', '10.0.0.1');
    expect(findPodPort(p, { port: 80, targetPort: 9090 })).toBe(9090);
    expect(findPodPort(p, { port: 80, targetPort: 'http' })).toBe(8080);
    expect(findPodPort(p, { port: 80, targetPort: 'metrics' })).toBeUndefined();
    expect(findPodPort(p, { port: 80 })).toBe(80);
  });

  it('splits ready and not-ready pods and sorts addresses by IP', () => {
    const subsets = buildEndpointSubsets(service(), [
      pod('b', '10.0.0.2'),
      pod('a', '10.0.0.10'),
      pod('c', '10.0.0.3', { ready: false }),
    ]);
    expect(subsets).toHaveLength(1);
    expect(subsets[0]!.addresses!.map((a) => a.ip)).toEqual(['10.0.0.10', '10.0.0.2']);
    expect(subsets[0]!.notReadyAddresses!.map((a) => a.ip)).toEqual(['10.0.0.3']);
    expect(subsets[0]!.addresses![0]).toEqual({
      ip: '10.0.0.10',
      nodeName: 'node-a',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
    });
    expect(subsets[0]!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('groups pods whose named port resolves differently into separate subsets', () => {
    const subsets = buildEndpointSubsets(service(), [
      pod('a', '10.0.0.1'),
      pod('b', '10.0.0.2', { port: 9000 }),
    ]);
    expect(subsets.map((s) => [s.ports?.[0]?.port, s.addresses?.map((a) => a.ip)])).toEqual([
      [8080, ['10.0.0.1']],
      [9000, ['10.0.0.2']],
    ]);
  });

  it('leaves out pods without an IP, terminating pods and finished pods', () => {
    const noIp = pod('a', '');
    const subsets = buildEndpointSubsets(service(), [
      noIp,
      pod('b', '10.0.0.2', { terminating: true }),
      pod('c', '10.0.0.3', { phase: 'Succeeded' }),
    ]);
    expect(subsets.flatMap((s) => s.addresses ?? [])).toHaveLength(1); // restartPolicy Always: a Succeeded pod is still listed
    const never = pod('d', '10.0.0.4', { phase: 'Succeeded' });
    never.spec!.restartPolicy = 'Never';
    expect(buildEndpointSubsets(service(), [never])).toEqual([]);
  });

  it('publishes not-ready and terminating pods as ready when asked, with hostnames', () => {
    const subsets = buildEndpointSubsets(service({ publishNotReadyAddresses: true }), [
      pod('a', '10.0.0.1', { ready: false, hostname: 'a' }),
      pod('b', '10.0.0.2', { terminating: true }),
    ]);
    expect(subsets[0]!.addresses!.map((a) => [a.ip, a.hostname])).toEqual([
      ['10.0.0.1', 'a'],
      ['10.0.0.2', undefined],
    ]);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
  });
});
