import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { podReferences } from '../../src/api/pod-references.js';

describe('podReferences: the objects a node may read for a pod', () => {
  it('collects Secrets, ConfigMaps, claims and the ServiceAccount from every place a pod names them', () => {
    const pod: Pod = {
      metadata: { name: 'web' },
      spec: {
        serviceAccountName: 'robot',
        imagePullSecrets: [{ name: 'pull' }],
        volumes: [
          { name: 'a', secret: { secretName: 'vol-secret' } },
          { name: 'b', configMap: { name: 'vol-cm' } },
          { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
          {
            name: 'd',
            projected: {
              sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'kube-root-ca.crt' } }],
            },
          },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        ],
        initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'init-env' } }] }],
        containers: [
          {
            name: 'c',
            env: [
              { name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } },
              { name: 'C', value: 'plain' },
            ],
            envFrom: [{ configMapRef: { name: 'envfrom-cm' } }],
          },
        ],
      },
    };
    expect([...podReferences(pod)].sort()).toEqual([
      'configmaps/env-cm',
      'configmaps/envfrom-cm',
      'configmaps/kube-root-ca.crt',
      'configmaps/vol-cm',
      'persistentvolumeclaims/data',
      'persistentvolumeclaims/web-scratch',
      'secrets/env-secret',
      'secrets/init-env',
      'secrets/proj-secret',
      'secrets/pull',
      'secrets/vol-secret',
      'serviceaccounts/robot',
    ]);
  });

  it('names nothing for a pod without a spec', () => {
    expect(podReferences({ metadata: { name: 'x' } }).size).toBe(0);
  });
});
