// What a namespace's content deletion left behind, and when its conditions are rewritten.
import { describe, expect, it } from 'vitest';
import { namespaceConditionsUpdate, remainingContent } from '../../src/controllers/namespace-conditions.js';

describe('namespace remaining content', () => {
  it('counts objects by resource and the finalizers they carry, and names failed deletions', () => {
    const remaining = remainingContent([
      {
        resource: 'pods.',
        items: [{ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['a'] } }],
      },
      { resource: 'configmaps.', items: [] },
      { resource: 'deployments.apps', items: [], failure: 'forbidden' },
    ]);
    expect([...remaining.counts]).toEqual([['pods.', 2]]);
    expect([...remaining.finalizers]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect([...remaining.failures]).toEqual([['deployments.apps', 'deployments.apps: forbidden']]);
  });
});

describe('namespace conditions update', () => {
  const empty = remainingContent([]);
  const waiting = remainingContent([{ resource: 'pods.', items: [{ metadata: {} }] }]);

  it('keeps a transition time while the status stays, and writes nothing when nothing changed', () => {
    const first = namespaceConditionsUpdate([], waiting, '2025-01-01T00:00:00Z')!;
    expect(first).toHaveLength(5);
    expect(namespaceConditionsUpdate(first, waiting, '2025-01-01T00:00:05Z')).toBeUndefined();
    const done = namespaceConditionsUpdate(first, empty, '2025-01-01T00:00:09Z')!;
    const byType = Object.fromEntries(done.map((c) => [c.type, c]));
    expect(byType.NamespaceContentRemaining).toMatchObject({
      status: 'False',
      lastTransitionTime: '2025-01-01T00:00:09Z',
    });
    expect(byType.NamespaceDeletionDiscoveryFailure?.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
  });
});
