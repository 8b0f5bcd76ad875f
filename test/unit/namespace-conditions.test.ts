// The conditions a terminating namespace reports, in kube's words.
import { describe, expect, it } from 'vitest';
import { namespaceConditions } from '../../src/controllers/namespace-conditions.js';

describe('namespace deletion conditions', () => {
  it('reports what remains', () => {
    const c = namespaceConditions(
      {
        counts: new Map([['pods.', 2]]),
        finalizers: new Map([['foregroundDeletion', 1]]),
        failures: new Map(),
      },
      '2024-01-01T00:00:00Z',
    );
    const byType = Object.fromEntries(c.map((x) => [x.type, x]));
    expect(byType.NamespaceContentRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: pods. has 2 resource instances',
    });
    expect(byType.NamespaceFinalizersRemaining).toMatchObject({
      status: 'True',
      message:
        'Some content in the namespace has finalizers remaining: foregroundDeletion in 1 resource instances',
    });
    expect(byType.NamespaceDeletionContentFailure).toMatchObject({
      status: 'False',
      reason: 'ContentDeleted',
    });
  });

  it('reports all clear when empty', () => {
    const c = namespaceConditions(
      { counts: new Map(), finalizers: new Map(), failures: new Map() },
      '2024-01-01T00:00:00Z',
    );
    expect(c.every((x) => x.status === 'False')).toBe(true);
  });
});
