import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  computeTemplateHash,
  equalIgnoringHash,
  findNewReplicaSet,
  replicaSetsToCleanUp,
  revisionOf,
  setNewReplicaSetAnnotations,
} from '../../src/api/deployment-revisions.js';

const template = (image: string): PodTemplateSpec => ({
  metadata: { labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'web', image }] },
});

describe('pod-template-hash', () => {
  it('is stable for identical templates regardless of key order, and differs for a different template', () => {
    const a = computeTemplateHash(template('web:1'));
    const reordered: PodTemplateSpec = {
      spec: { containers: [{ image: 'web:1', name: 'web' }] },
      metadata: { labels: { tier: 'front', app: 'web' } },
    };
    expect(computeTemplateHash(reordered)).toBe(a);
    expect(computeTemplateHash(template('web:2'))).not.toBe(a);
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('changes with the collision count', () => {
    expect(computeTemplateHash(template('web:1'), 1)).not.toBe(computeTemplateHash(template('web:1')));
  });

  it('templates equal once pod-template-hash is ignored', () => {
    const hashed = template('web:1');
    hashed.metadata!.labels!['pod-template-hash'] = 'abc';
    expect(equalIgnoringHash(hashed, template('web:1'))).toBe(true);
    expect(equalIgnoringHash(hashed, template('web:2'))).toBe(false);
  });
});

function replicaSet(name: string, revision: number, replicas: number, image = `web:${revision}`): ReplicaSet {
  return {
    metadata: {
      name,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      generation: 1,
      creationTimestamp: new Date(Date.UTC(2024, 0, revision)).toISOString(),
    },
    spec: { replicas, selector: {}, template: template(image) },
    status: { replicas, observedGeneration: 1 },
  };
}

describe('revision bookkeeping', () => {
  const d: Deployment = {
    metadata: {
      name: 'web',
      annotations: {
        'kubernetes.io/change-cause': 'kubectl set image',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
        'deployment.kubernetes.io/revision': '2',
      },
    },
    spec: { selector: {}, template: template('web:1'), revisionHistoryLimit: 1 },
  };

  it('a rolled-back-to ReplicaSet takes the next revision and remembers its old one', () => {
    const rs = replicaSet('web-a', 1, 0);
    expect(setNewReplicaSetAnnotations(d, rs, 3)).toBe(true);
    expect(rs.metadata?.annotations).toEqual({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
      'kubernetes.io/change-cause': 'kubectl set image',
    });
    expect(setNewReplicaSetAnnotations(d, rs, 3)).toBe(false);
    expect(revisionOf(rs)).toBe(3);
  });

  it('finds the ReplicaSet of the current template', () => {
    const rss = [replicaSet('web-b', 2, 3), replicaSet('web-a', 1, 0)];
    expect(findNewReplicaSet(d, rss)?.metadata?.name).toBe('web-a');
  });

  it('cleans up the oldest scaled-down ReplicaSets beyond revisionHistoryLimit', () => {
    const old = [replicaSet('r3', 3, 0), replicaSet('r1', 1, 0), replicaSet('r2', 2, 0)];
    expect(replicaSetsToCleanUp(d, old).map((r) => r.metadata?.name)).toEqual(['r1', 'r2']);
    const busy = [replicaSet('r3', 3, 0), replicaSet('r1', 1, 2), replicaSet('r2', 2, 0)];
    expect(replicaSetsToCleanUp(d, busy).map((r) => r.metadata?.name)).toEqual(['r2']);
  });
});
