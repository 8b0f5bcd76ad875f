import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { describe, expect, it } from 'vitest';
import {
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  resolveFenceposts,
  scaledValue,
  sortForProportionalScaling,
} from '../../src/controllers/deployment-replicas.js';

function deployment(
  replicas: number,
  maxSurge: number | string,
  maxUnavailable: number | string,
): Deployment {
  return {
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: {},
      template: {},
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
    },
  };
}

let seq = 0;
function rs(
  name: string,
  replicas: number,
  available = replicas,
  annotations: Record<string, string> = {},
): ReplicaSet {
  return {
    metadata: {
      name,
      annotations,
      creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, seq++)).toISOString(),
    },
    spec: { replicas, selector: {} },
    status: { replicas, availableReplicas: available },
  };
}

describe('resolveFenceposts (kube ResolveFenceposts)', () => {
  it.each([
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 1, 1, 0],
    ['39%', '39%', 10, 4, 3],
    ['0%', '0%', 0, 0, 1],
    [0, 0, 3, 0, 1],
    [2, '50%', 3, 2, 1],
    ['100%', 0, 5, 5, 0],
  ])(
    'maxSurge %s, maxUnavailable %s of %i → surge %i, unavailable %i',
    (s, u, desired, surge, unavailable) => {
      expect(resolveFenceposts(s, u, desired)).toEqual({ surge, unavailable });
    },
  );

  it('rejects a malformed percentage', () => {
    expect(() => scaledValue('oops', 10, true)).toThrow(/invalid value for IntOrString/);
  });

  it('never allows more unavailable pods than desired, and none for Recreate', () => {
    expect(maxUnavailable(deployment(2, 0, 5))).toBe(2);
    expect(maxUnavailable(deployment(0, 1, 1))).toBe(0);
    const recreate: Deployment = {
      ...deployment(3, 1, 1),
      spec: { ...deployment(3, 1, 1).spec!, strategy: { type: 'Recreate' } },
    };
    expect(maxSurge(recreate)).toBe(0);
    expect(maxUnavailable(recreate)).toBe(0);
    expect(newRSNewReplicas(recreate, [rs('old', 3)], rs('new', 0))).toBe(3);
  });
});

describe('newRSNewReplicas (kube NewRSNewReplicas)', () => {
  const d = deployment(10, 3, 2);
  it.each([
    [10, 0, 3],
    [10, 3, 3],
    [7, 3, 6],
    [2, 8, 10],
    [0, 10, 10],
  ])('old %i, new %i → new RS gets %i', (oldCount, newCount, expected) => {
    const newRS = rs('new', newCount);
    expect(newRSNewReplicas(d, [rs('old', oldCount), newRS], newRS)).toBe(expected);
  });
});

describe('maxScaledDown', () => {
  it('keeps the minimum available, not counting new pods that are not available yet', () => {
    const d = deployment(10, 3, 2);
    const newRS = rs('new', 3, 0);
    expect(maxScaledDown(d, [rs('old', 10), newRS], newRS)).toBe(13 - 8 - 3);
    const ready = rs('new', 3, 3);
    expect(maxScaledDown(d, [rs('old', 10), ready], ready)).toBe(5);
  });
});

describe('proportional scaling', () => {
  const max = { 'deployment.kubernetes.io/max-replicas': '10' };
  it('spreads a scale-up over active ReplicaSets by their share', () => {
    const sets = sortForProportionalScaling([rs('old', 4, 4, max), rs('new', 6, 6, max)], true);
    expect(sets.map((s) => s.metadata?.name)).toEqual(['new', 'old']);
    expect(Object.fromEntries(proportionalSizes(deployment(20, 0, 1), sets))).toEqual({ new: 12, old: 8 });
  });

  it('spreads a scale-down the same way, and gives leftovers to the largest', () => {
    const sets = sortForProportionalScaling([rs('old', 4, 4, max), rs('new', 6, 6, max)], false);
    expect(Object.fromEntries(proportionalSizes(deployment(5, 0, 1), sets))).toEqual({ new: 3, old: 2 });
    const odd = sortForProportionalScaling([rs('a', 5, 5, max), rs('b', 5, 5, max)], true);
    // 5 * 11/10 = 5.5 rounds half away from zero to 6 for the first; the second gets what is left.
    expect(Object.fromEntries(proportionalSizes(deployment(11, 0, 1), odd))).toEqual({ b: 6, a: 5 });
  });
});
