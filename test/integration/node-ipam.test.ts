// Node IPAM against a real API server: nodes that register at the same moment (a cluster's
// machines joining together) each get their own pod CIDR. The informer's cache lags the
// controller's own writes, so ranges just given must count as taken (two workers once got the
// same /24 and their pods the same addresses).
import type { Node } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeIpamController } from '../../src/controllers/node-ipam-controller.js';
import { type ControllerHarness, startControllers, until } from '../helpers/controller-harness.js';

let h: ControllerHarness;
afterEach(async () => h?.stop());

describe('node IPAM', () => {
  it('gives every node registering at once a different /24', async () => {
    h = await startControllers([nodeIpamController]);
    const nodes = h.api<Node>('Node');
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    await Promise.all(
      names.map((name) => nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } })),
    );
    const cidrs = await until(
      'every node has a pod CIDR',
      async () => {
        const list = await Promise.all(names.map((n) => nodes.get(n)));
        const got = list.map((n) => n.spec?.podCIDR);
        return got.every(Boolean) ? (got as string[]) : undefined;
      },
      20_000,
    );
    expect(new Set(cidrs).size).toBe(names.length);
    for (const c of cidrs) expect(c).toMatch(/^10\.244\.\d+\.0\/24$/);
  });
});
