import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/kube-object.js';
import type { CacheChange } from '../../src/client/informer.js';
import { diffRelist } from '../../src/client/informer.js';

const pod = (name: string, rv: string, uid = `uid-${name}`): KubeObject => ({
  metadata: { namespace: 'default', name, resourceVersion: rv, uid },
});

function summary(changes: CacheChange<KubeObject>[]): string[] {
  return changes.map((c) =>
    c.type === 'update'
      ? `update ${c.old.metadata?.name}@${c.old.metadata?.resourceVersion}->${c.object.metadata?.resourceVersion}`
      : `${c.type} ${c.object.metadata?.name}@${c.object.metadata?.resourceVersion}`,
  );
}

describe('diffRelist', () => {
  it.each([
    {
      name: 'empty cache: every listed object is an add',
      cached: [],
      listed: [pod('a', '1'), pod('b', '2')],
      want: ['add a@1', 'add b@2'],
    },
    { name: 'nothing changed: no notifications', cached: [pod('a', '1')], listed: [pod('a', '1')], want: [] },
    {
      name: 'changed while away: update with the old object',
      cached: [pod('a', '1'), pod('b', '2')],
      listed: [pod('a', '7'), pod('b', '2')],
      want: ['update a@1->7'],
    },
    {
      name: 'gone while away: delete first, then additions in list order',
      cached: [pod('a', '1'), pod('b', '2')],
      listed: [pod('c', '8'), pod('b', '2')],
      want: ['delete a@1', 'add c@8'],
    },
    {
      name: 'deleted and recreated under the same name: delete then add, not update',
      cached: [pod('a', '1', 'old-uid')],
      listed: [pod('a', '9', 'new-uid')],
      want: ['delete a@1', 'add a@9'],
    },
    {
      name: 'everything gone',
      cached: [pod('a', '1'), pod('b', '2')],
      listed: [],
      want: ['delete a@1', 'delete b@2'],
    },
  ])('$name', ({ cached, listed, want }) => {
    const cache = new Map(cached.map((o) => [`default/${o.metadata?.name}`, o]));
    expect(summary(diffRelist(cache, listed))).toEqual(want);
  });

  it('keys cluster-scoped objects by name alone', () => {
    const node = { metadata: { name: 'n1', resourceVersion: '3' } };
    expect(diffRelist(new Map([['n1', node]]), [{ metadata: { name: 'n1', resourceVersion: '3' } }])).toEqual(
      [],
    );
  });
});
