// The garbage collector's decision for one dependent, from what became of its owners.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/kube-object.js';
import {
  decideDependent,
  foregroundFinalizer,
  type OwnerLookup,
  orphanFinalizer,
} from '../../src/controllers/dependent-deletion.js';

const ref = (uid: string, blockOwnerDeletion = false): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: uid,
  uid,
  ...(blockOwnerDeletion ? { blockOwnerDeletion } : {}),
});

const owner = (uid: string, o: { foreground?: boolean } = {}): KubeObject => ({
  metadata: {
    uid,
    ...(o.foreground ? { deletionTimestamp: '2025-01-01T00:00:00Z', finalizers: [foregroundFinalizer] } : {}),
  },
});

const dependent = (finalizers: string[] = []): KubeObject => ({
  metadata: { name: 'web-1', uid: 'd', finalizers },
});
const noDependents = () => false;

describe('garbage collection of a dependent', () => {
  it('keeps a dependent whose owner is present, or of a kind that cannot be looked up', () => {
    expect(decideDependent(dependent(), [[ref('a'), owner('a')]], noDependents)).toEqual({ type: 'keep' });
    expect(decideDependent(dependent(), [[ref('x'), 'unresolvable']], noDependents)).toEqual({
      type: 'keep',
    });
  });

  it('forgets gone and foreground-deleting owners while another owner still holds it', () => {
    const owners: [OwnerReference, OwnerLookup][] = [
      [ref('a'), owner('a')],
      [ref('gone'), undefined],
      [ref('f', true), owner('f', { foreground: true })],
    ];
    expect(decideDependent(dependent(), owners, noDependents)).toEqual({
      type: 'drop-owners',
      uids: new Set(['gone', 'f']),
    });
  });

  it('deletes a dangling dependent with the propagation its finalizers ask for', () => {
    const dangling: [OwnerReference, OwnerLookup][] = [[ref('gone'), undefined]];
    expect(decideDependent(dependent(), dangling, noDependents)).toEqual({
      type: 'delete',
      propagationPolicy: 'Background',
    });
    expect(decideDependent(dependent([orphanFinalizer]), dangling, noDependents)).toMatchObject({
      propagationPolicy: 'Orphan',
    });
    expect(decideDependent(dependent([foregroundFinalizer]), dangling, noDependents)).toMatchObject({
      propagationPolicy: 'Foreground',
    });
  });

  it('deletes its own dependents first when a foreground deletion waits for it', () => {
    const waiting: [OwnerReference, OwnerLookup][] = [[ref('f', true), owner('f', { foreground: true })]];
    expect(decideDependent(dependent(), waiting, () => true)).toEqual({
      type: 'delete',
      propagationPolicy: 'Foreground',
    });
    expect(decideDependent(dependent(), waiting, noDependents)).toEqual({
      type: 'delete',
      propagationPolicy: 'Background',
    });
  });
});
