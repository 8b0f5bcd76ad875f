// Which nodes a DaemonSet runs on: nodeSelector, required node affinity, taints against the
// template's tolerations plus kube's daemon tolerations; and how its pods are pinned.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  daemonPodFor,
  nodeShouldRunDaemonPod,
  targetNodeName,
} from '../../src/controllers/daemonset-placement.js';

const ds = (
  spec: NonNullable<NonNullable<DaemonSet['spec']>['template']['spec']> = { containers: [] },
): DaemonSet => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'kube-system', uid: 'u1' },
  spec: { selector: {}, template: { metadata: { labels: { app: 'agent' } }, spec } },
});

const node = (labels: Record<string, string> = {}, taints: Taint[] = []): Node => ({
  metadata: { name: 'n1', labels },
  spec: { taints },
});

describe('daemonset eligibility', () => {
  it('honours nodeSelector and required node affinity', () => {
    const bySelector = ds({ containers: [], nodeSelector: { disk: 'ssd' } });
    expect(nodeShouldRunDaemonPod(node({ disk: 'ssd' }), bySelector).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node({ disk: 'hdd' }), bySelector)).toEqual({
      shouldRun: false,
      shouldContinueRunning: false,
    });
    const byAffinity = ds({
      containers: [],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
          },
        },
      },
    });
    expect(nodeShouldRunDaemonPod(node({ zone: 'a' }), byAffinity).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node({ zone: 'b' }), byAffinity).shouldRun).toBe(false);
  });

  it('runs on unschedulable, not-ready and unreachable nodes; not on untolerated taints', () => {
    for (const taint of [
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
    ])
      expect(nodeShouldRunDaemonPod(node({}, [taint]), ds()).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node({}, [{ key: 'gpu', effect: 'NoSchedule' }]), ds())).toEqual({
      shouldRun: false,
      shouldContinueRunning: true,
    });
    expect(
      nodeShouldRunDaemonPod(node({}, [{ key: 'gpu', effect: 'NoExecute' }]), ds()).shouldContinueRunning,
    ).toBe(false);
    expect(
      nodeShouldRunDaemonPod(node({}, [{ key: 'gpu', effect: 'PreferNoSchedule' }]), ds()).shouldRun,
    ).toBe(true);
    const tolerant = ds({ containers: [], tolerations: [{ key: 'gpu', operator: 'Exists' }] });
    expect(nodeShouldRunDaemonPod(node({}, [{ key: 'gpu', effect: 'NoExecute' }]), tolerant).shouldRun).toBe(
      true,
    );
  });

  it('pins its pod to the node with a metadata.name node affinity', () => {
    const pod = daemonPodFor(ds(), 'n1', 'abc');
    expect(targetNodeName(pod)).toBe('n1');
    expect(pod.metadata?.labels).toEqual({ app: 'agent', 'controller-revision-hash': 'abc' });
    expect(pod.spec?.nodeName).toBeUndefined();
  });
});
