// The node lifecycle controller's judgement without a server, on a FakeClock: a node silent past
// the grace period turns Unknown, its taints follow its Ready condition, and a Ready node is
// looked at again just after it would become overdue.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { FakeClock } from '../../src/client/clock.js';
import { decideNodeHealth } from '../../src/controllers/node-health.js';

const t0 = Date.parse('2025-01-01T00:00:00Z');
const lab = profiles.lab;

const node = (ready: 'True' | 'False' | 'Unknown', taints: Node['spec'] = {}): Node => ({
  metadata: { name: 'w1', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: taints,
  status: {
    conditions: [
      { type: 'Ready', status: ready, lastHeartbeatTime: '2025-01-01T00:00:00Z' },
      { type: 'MemoryPressure', status: 'False' },
    ],
  },
});

const lease = (renewTime: string): Lease => ({ metadata: { name: 'w1' }, spec: { renewTime } });

describe('node health', () => {
  it('turns every condition Unknown once the node is silent past the grace period', () => {
    const clock = new FakeClock(t0 + lab.nodeMonitorGracePeriodMs);
    expect(decideNodeHealth(node('True'), undefined, clock.now(), lab)).toEqual({
      type: 'heard',
      recheckAfterMs: lab.nodeMonitorPeriodMs,
    });
    clock.step(1);
    const silent = decideNodeHealth(node('True'), undefined, clock.now(), lab);
    expect(silent.type === 'silent' && silent.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'Unknown', 'NodeStatusUnknown'],
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown'],
    ]);
  });

  it('counts a Lease renewal as a sign of life', () => {
    const now = t0 + 10_000;
    const renewed = decideNodeHealth(node('True'), lease('2025-01-01T00:00:09Z'), now, lab);
    expect(renewed).toEqual({
      type: 'heard',
      recheckAfterMs: lab.nodeMonitorGracePeriodMs - 1_000 + lab.nodeMonitorPeriodMs,
    });
  });

  it('taints an Unknown node unreachable and a not-ready node not-ready, with no timed look', () => {
    const unknown = decideNodeHealth(node('Unknown'), undefined, t0 + 60_000, lab);
    expect(unknown.type === 'heard' && unknown.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    expect(unknown.type === 'heard' && unknown.recheckAfterMs).toBeUndefined();
    const notReady = decideNodeHealth(node('False'), lease('2025-01-01T00:00:00Z'), t0, lab);
    expect(notReady.type === 'heard' && notReady.taints?.map((t) => t.key)).toEqual([
      'node.kubernetes.io/not-ready',
      'node.kubernetes.io/not-ready',
    ]);
  });

  it('leaves taints alone when they are already right, and clears lifecycle taints off a Ready node', () => {
    const tainted = decideNodeHealth(node('Unknown'), undefined, t0 + 60_000, lab);
    const taints = tainted.type === 'heard' ? tainted.taints : undefined;
    expect(decideNodeHealth(node('Unknown', { taints }), undefined, t0 + 60_000, lab)).toEqual({
      type: 'heard',
    });
    const recovered = decideNodeHealth(node('True', { taints }), undefined, t0, lab);
    expect(recovered.type === 'heard' && recovered.taints).toEqual([]);
  });
});
