// The one `up` path, on a provider that only records what it is asked: the steps run in their
// order (machines, prepare, control plane, join, Ready), the kubeconfig is there before any node
// joins, only the provider's nodes join, and the record is on disk from the moment machines
// exist (an interrupted `up` leaves what `down` needs) — and up to date when a step fails. The real providers run the same path in the
// sim integration tests and the docker, ssh and qemu end-to-end tests.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/provision/bootstrap/progress-reporter.js';
import { upCluster } from '../../src/provision/cluster-lifecycle.js';
import type {
  ClusterBootstrap,
  ClusterPlan,
  ClusterProvider,
  ControlPlaneAccess,
} from '../../src/provision/cluster-provider.js';
import {
  type ClusterRecord,
  clusterDir,
  clusterKubeconfigPath,
  type MachineRecord,
  readClusterRecord,
} from '../../src/provision/cluster-records.js';
import { temporaryKubelabHome } from '../helpers/kubelab-home.js';

temporaryKubelabHome('kubelab-up-order-');

const quiet = Object.assign(new (await import('node:stream')).Writable({ write: (_c, _e, done) => done() }), {
  isTTY: false,
});
const names = (machines: MachineRecord[]) => machines.map((m) => m.name).join(',');

/** Records every step with the machines it was given; `failAt` makes that step throw. */
class RecordingProvider implements ClusterProvider {
  readonly name = 'sim';
  readonly steps: string[] = [];
  recordOnDiskDuringSteps?: boolean;

  constructor(private readonly failAt?: string) {}

  nodes(machines: MachineRecord[]): MachineRecord[] {
    return machines.filter((m) => m.role === 'worker');
  }

  async ensureMachines(plan: ClusterPlan, existing: ClusterRecord | undefined): Promise<MachineRecord[]> {
    this.steps.push(`ensureMachines ${plan.machines.map((m) => m.name).join(',')}`);
    this.recordOnDiskDuringSteps = true;
    return plan.machines.map((p) => existing?.machines.find((m) => m.name === p.name) ?? { ...p });
  }

  bootstrap(plan: ClusterPlan): ClusterBootstrap {
    const step = async (what: string, after?: () => Promise<void>) => {
      this.steps.push(what);
      // Every step after the machines exist must see them recorded.
      this.recordOnDiskDuringSteps &&= existsSync(join(clusterDir(plan.cluster), 'cluster.json'));
      if (this.failAt && what.startsWith(this.failAt)) throw new Error(`${this.failAt} failed`);
      await after?.();
    };
    const access: ControlPlaneAccess = { server: 'https://127.0.0.1:6443', kubeconfig: 'kubeconfig text\n' };
    return {
      prepare: (machines) => step(`prepare ${names(machines)}`),
      startControlPlane: async (controlPlanes) => {
        // As sim does: the process id is on the record before the control plane answers.
        for (const m of controlPlanes) m.pid = 4242;
        await step(`startControlPlane ${names(controlPlanes)}`);
        return access;
      },
      join: (nodes, cp) =>
        step(`join ${names(nodes)}`, async () => {
          expect(cp).toBe(access);
          expect(await readFile(clusterKubeconfigPath(plan.cluster), 'utf8')).toBe(access.kubeconfig);
        }),
      waitReady: (nodes, cp) =>
        step(`waitReady ${names(nodes)}`, async () => {
          expect(cp).toBe(access);
        }),
      close: () => this.steps.push('close'),
    };
  }

  async destroy(): Promise<void> {}
  async failNode(): Promise<void> {}
  async recoverNode() {
    return 'running' as const;
  }
}

const up = (name: string, provider: ClusterProvider, existing: ClusterRecord | undefined, workers = 2) =>
  upCluster({ name, provider, existing, workers, profile: 'lab' }, new ProgressReporter(quiet));

describe('upCluster', () => {
  it('runs the steps in order, with the machines recorded before the first step uses them', async () => {
    const provider = new RecordingProvider();
    const record = await up('order', provider, undefined);
    expect(provider.steps).toEqual([
      'ensureMachines order-control-plane,order-worker,order-worker2',
      'prepare order-control-plane,order-worker,order-worker2',
      'startControlPlane order-control-plane',
      'join order-worker,order-worker2',
      'waitReady order-worker,order-worker2',
      'close',
    ]);
    expect(provider.recordOnDiskDuringSteps).toBe(true);
    expect(await readClusterRecord('order')).toEqual(record);
    expect(record).toMatchObject({ provider: 'sim', server: 'https://127.0.0.1:6443' });
    expect(record.machines[0]).toMatchObject({ name: 'order-control-plane', pid: 4242 });
  });

  it('keeps the workers an existing cluster has when asked for fewer', async () => {
    const existing = await up('keep', new RecordingProvider(), undefined, 3);
    const provider = new RecordingProvider();
    await up('keep', provider, existing, 1);
    expect(provider.steps[0]).toBe('ensureMachines keep-control-plane,keep-worker,keep-worker2,keep-worker3');
    expect((await readClusterRecord('keep'))?.createdAt).toBe(existing.createdAt);
  });

  it('stops at a failed step, closes the bootstrap and still records what was started', async () => {
    const provider = new RecordingProvider('join');
    await expect(up('broken', provider, undefined)).rejects.toThrow('join failed');
    expect(provider.steps.at(-2)).toBe('join broken-worker,broken-worker2');
    expect(provider.steps.at(-1)).toBe('close');
    const record = await readClusterRecord('broken');
    expect(record?.machines.map((m) => m.name)).toEqual([
      'broken-control-plane',
      'broken-worker',
      'broken-worker2',
    ]);
    expect(record?.machines[0]?.pid).toBe(4242);
  });

  it('refuses a cluster made by another provider before touching anything', async () => {
    const provider = new RecordingProvider();
    const existing: ClusterRecord = {
      name: 'other',
      provider: 'docker',
      createdAt: new Date().toISOString(),
      server: '',
      machines: [],
    };
    await expect(up('other', provider, existing)).rejects.toThrow(/exists with provider docker/);
    expect(provider.steps).toEqual([]);
  });
});
