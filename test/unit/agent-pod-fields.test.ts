// The downward API's field paths: what an environment variable and a downwardAPI volume file
// may carry, and how a volume writes whole label and annotation maps.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { envFieldValue, volumeFieldValue } from '../../src/agent/pod-fields.js';

const pod: Pod = {
  metadata: {
    name: 'web-1',
    namespace: 'team',
    uid: 'u-1',
    labels: { tier: 'web', app: 'shop' },
    annotations: { note: 'say "hi"' },
  },
  spec: { containers: [], serviceAccountName: 'builder' },
  status: { hostIP: '10.0.0.5' },
};

describe('pod fields', () => {
  it('gives environment variables metadata, spec and status fields', () => {
    const s = { pod, nodeName: 'w1', podIP: '10.244.1.7' };
    expect(envFieldValue(s, 'metadata.namespace')).toBe('team');
    expect(envFieldValue(s, "metadata.labels['tier']")).toBe('web');
    expect(envFieldValue(s, 'spec.nodeName')).toBe('w1');
    expect(envFieldValue(s, 'spec.serviceAccountName')).toBe('builder');
    expect(envFieldValue(s, 'status.podIP')).toBe('10.244.1.7');
    expect(envFieldValue(s, 'metadata.labels')).toBeUndefined();
  });

  it('gives volume files metadata only, whole maps as sorted key="value" lines', () => {
    expect(volumeFieldValue(pod, 'metadata.namespace')).toBe('team');
    expect(volumeFieldValue(pod, 'metadata.uid')).toBe('u-1');
    expect(volumeFieldValue(pod, 'metadata.labels')).toBe('app="shop"\ntier="web"\n');
    expect(volumeFieldValue(pod, 'metadata.annotations')).toBe('note="say \\"hi\\""\n');
    expect(volumeFieldValue(pod, 'status.podIP')).toBeUndefined();
  });
});
