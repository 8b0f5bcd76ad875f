// The Endpoints object the controller writes for a Service: its labels (with kube's headless
// marker), kept metadata, and no write when nothing changed.
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  desiredEndpoints,
  endpointsLabels,
  headlessServiceLabel,
} from '../../src/controllers/endpoints-subsets.js';

const service = (clusterIP?: string): Service => ({
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    selector: { app: 'web' },
    ports: [{ port: 80, targetPort: 8080 }],
    ...(clusterIP ? { clusterIP } : {}),
  },
});

const pod: Pod = {
  metadata: { name: 'web-1', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'c' }] },
  status: { phase: 'Running', podIP: '10.244.1.5', conditions: [{ type: 'Ready', status: 'True' }] },
};

describe('desired endpoints', () => {
  it('names the Endpoints after the Service, with its labels and the pods behind it', () => {
    expect(desiredEndpoints(service(), [pod], undefined)).toEqual({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      subsets: [
        {
          addresses: [
            { ip: '10.244.1.5', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1' } },
          ],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ],
    });
  });

  it('writes nothing when the current Endpoints already say it, and keeps their metadata otherwise', () => {
    const current = desiredEndpoints(service(), [pod], undefined)!;
    expect(desiredEndpoints(service(), [pod], current)).toBeUndefined();
    const stored: Endpoints = { ...current, metadata: { ...current.metadata, resourceVersion: '7' } };
    const emptied = desiredEndpoints(service(), [], stored);
    expect(emptied?.subsets).toEqual([]);
    expect(emptied?.metadata?.resourceVersion).toBe('7');
  });

  it('marks the Endpoints of a headless Service, and only those', () => {
    expect(endpointsLabels(service('None'))).toEqual({ app: 'web', [headlessServiceLabel]: '' });
    const relabelled: Service = {
      ...service('10.96.0.10'),
      metadata: { name: 'web', labels: { [headlessServiceLabel]: '' } },
    };
    expect(endpointsLabels(relabelled)).toEqual({});
  });
});
