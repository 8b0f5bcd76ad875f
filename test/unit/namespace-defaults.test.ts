// The pure decisions behind the ServiceAccount controller and the root CA publisher: what a
// live namespace must hold, and when to leave what is there alone.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  acceptsContent,
  missingDefaultServiceAccount,
  rootCAConfigMap,
} from '../../src/controllers/namespace-defaults.js';

const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('namespace defaults', () => {
  it('fills only live namespaces', () => {
    expect(acceptsContent({ metadata: { name: 'a' }, status: { phase: 'Active' } })).toBe(true);
    const terminating: Namespace = { metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect(acceptsContent(terminating)).toBe(false);
    expect(acceptsContent({ metadata: { name: 'a' }, status: { phase: 'Terminating' } })).toBe(false);
    expect(acceptsContent(undefined)).toBe(false);
  });

  it('creates the default ServiceAccount only when it is missing', () => {
    expect(missingDefaultServiceAccount('team', undefined)).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'team' },
    });
    expect(missingDefaultServiceAccount('team', { metadata: { name: 'default' } })).toBeUndefined();
  });

  it('publishes the CA, restores it when changed, keeps other keys, and leaves a correct one alone', () => {
    expect(rootCAConfigMap('team', ca, undefined)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'team' },
      data: { 'ca.crt': ca },
    });
    const edited: ConfigMap = {
      metadata: { name: 'kube-root-ca.crt', namespace: 'team', resourceVersion: '7' },
      data: { 'ca.crt': 'old', note: 'mine' },
    };
    expect(rootCAConfigMap('team', ca, edited)).toEqual({ ...edited, data: { 'ca.crt': ca, note: 'mine' } });
    expect(rootCAConfigMap('team', ca, { ...edited, data: { 'ca.crt': ca } })).toBeUndefined();
  });
});
