// The per-kind strategies the generic registry asks: every catalogued resource has one, and
// the kinds Kubernetes treats specially (pods, services, namespaces, nodes, upserted kinds)
// answer differently from a plain kind.
import { describe, expect, it } from 'vitest';
import { profiles } from '../../src/api/profiles.js';
import { resource, resources } from '../../src/api/resources.js';
import type { ApiObject } from '../../src/apiserver/object-meta.js';
import type { StrategyContext } from '../../src/apiserver/strategies/strategy.js';
import { strategyFor } from '../../src/apiserver/strategies/strategy-catalogue.js';
import { SqliteStore } from '../../src/store/sqlite.js';

function pod(spec: object, status?: object): ApiObject {
  return { metadata: { name: 'web', namespace: 'default' }, spec, ...(status ? { status } : {}) };
}

describe('strategy catalogue', () => {
  it('has a strategy for every resource the API serves', () => {
    for (const r of resources) expect(() => strategyFor(r), r.plural).not.toThrow();
  });

  it('lets only the kinds their writers upsert be created by an update', () => {
    const upserted = resources.filter((r) => strategyFor(r).allowCreateOnUpdate).map((r) => r.plural);
    expect(upserted.sort()).toEqual(['endpoints', 'events', 'leases']);
  });

  it('keeps the client status on create for nodes only among kinds with a status subresource', () => {
    const keeping = resources
      .filter((r) => r.subresources.includes('status') && strategyFor(r).keepStatusOnCreate)
      .map((r) => r.plural);
    expect(keeping).toEqual(['nodes']);
  });
});

describe('pod strategy', () => {
  const pods = strategyFor(resource.pods);

  it('waits for the agent only when the pod is bound and still running', () => {
    expect(pods.deletionGracePeriod(pod({ containers: [] }), undefined)).toBe(0);
    const bound = pod({ nodeName: 'w1', terminationGracePeriodSeconds: 12, containers: [] });
    expect(pods.deletionGracePeriod(bound, undefined)).toBe(12);
    expect(pods.deletionGracePeriod(bound, 3)).toBe(3);
    expect(pods.deletionGracePeriod(bound, 0)).toBe(0);
    expect(pods.deletionGracePeriod(pod({ nodeName: 'w1', containers: [] }), undefined)).toBe(30);
    const done = pod({ nodeName: 'w1', containers: [] }, { phase: 'Succeeded' });
    expect(pods.deletionGracePeriod(done, undefined)).toBe(0);
  });

  it('admits with the profile’s default tolerations and prepares a Pending pod at generation 1', async () => {
    const p = pod({ containers: [{ name: 'c', image: 'nginx' }] });
    await pods.admit(p, { profile: profiles.lab, admission: { serviceAccount: false } } as StrategyContext);
    pods.prepareForCreate(p);
    const tolerations = (p.spec as { tolerations: { key: string; tolerationSeconds: number }[] }).tolerations;
    expect(tolerations.map((t) => [t.key, t.tolerationSeconds])).toEqual([
      ['node.kubernetes.io/not-ready', profiles.lab.defaultNotReadyTolerationSeconds],
      ['node.kubernetes.io/unreachable', profiles.lab.defaultUnreachableTolerationSeconds],
    ]);
    expect(p.metadata.generation).toBe(1);
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('validates with the pod rules (a pod needs containers)', () => {
    const errors = pods.validate(pod({ containers: [] }));
    expect(errors.map((e) => e.field)).toContain('spec.containers');
  });
});

describe('service strategy', () => {
  const services = strategyFor(resource.services);

  it('allocates a ClusterIP from 10.96.0.0/12 and keeps it when an update leaves it out', async () => {
    const store = SqliteStore.open(':memory:');
    try {
      const svc: ApiObject = { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } };
      await services.allocate(svc, { store, profile: profiles.lab, admission: { serviceAccount: false } });
      const ip = (svc.spec as { clusterIP: string }).clusterIP;
      expect(ip).toMatch(/^10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/);
      const next: ApiObject = { metadata: { name: 'web' }, spec: { ports: [{ port: 81 }] } };
      services.prepareForUpdate(next, svc);
      expect(next.spec).toMatchObject({ clusterIP: ip, clusterIPs: [ip] });
    } finally {
      await store.close();
    }
  });
});

describe('namespace strategy', () => {
  const namespaces = strategyFor(resource.namespaces);
  const ns: ApiObject = { metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] }, status: {} };

  it('is held by its spec finalizers and marked Terminating when deleted', () => {
    expect(namespaces.pendingFinalizers(ns)).toEqual(['kubernetes']);
    const deleting: ApiObject = { ...ns };
    namespaces.prepareForDeletion(deleting);
    expect(deleting.status).toEqual({ phase: 'Terminating' });
  });

  it('serves /finalize, which writes only spec.finalizers', () => {
    const finalized = namespaces.finalize!(ns, { metadata: { name: 'team', labels: { a: 'b' } }, spec: {} });
    expect(finalized.spec).toEqual({ finalizers: [] });
    expect(finalized.metadata).toEqual(ns.metadata);
    expect(strategyFor(resource.pods).finalize).toBeUndefined();
  });
});

describe('default strategy', () => {
  it('deletes at once, admits nothing and prints its kind’s columns', () => {
    const configMaps = strategyFor(resource.configMaps);
    const cm: ApiObject = {
      metadata: { name: 'c', creationTimestamp: '2026-01-01T00:00:00Z' },
      data: { a: '1' },
    };
    expect(configMaps.deletionGracePeriod(cm, 30)).toBe(0);
    expect(configMaps.pendingFinalizers(cm)).toEqual([]);
    const table = configMaps.convertToTable([cm], { now: Date.parse('2026-01-01T00:01:00Z') });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(table.rows[0]!.cells).toEqual(['c', 1, '60s']);
  });
});
