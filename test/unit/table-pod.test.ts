import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/api/table/human-duration.js';
import { podSummary } from '../../src/api/table/pod.js';
import { toTable } from '../../src/api/table/to-table.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

function pod(status: Pod['status'], spec: Partial<Pod['spec']> = {}, meta: Pod['metadata'] = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(300), ...meta },
    spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(200) } };

describe('humanDuration', () => {
  it.each([
    [-3000, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [330_000, '5m30s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [(3 * 60 + 5) * 60_000, '3h5m'],
    [5 * 3600_000, '5h'],
    [47 * 3600_000, '47h'],
    [(2 * 24 + 5) * 3600_000, '2d5h'],
    [8 * 24 * 3600_000, '8d'],
    [(2 * 365 + 100) * 24 * 3600_000, '2y100d'],
    [9 * 365 * 24 * 3600_000, '9y'],
  ])('%d ms -> %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('pod STATUS, READY and RESTARTS', () => {
  it.each<[string, Pod, string, string, string]>([
    ['pending, unscheduled', pod({ phase: 'Pending' }), '0/1', 'Pending', '0'],
    [
      'running and ready',
      pod({
        phase: 'Running',
        containerStatuses: [
          { name: 'web', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running },
        ],
      }),
      '1/1',
      'Running',
      '0',
    ],
    [
      'container creating',
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'web',
            image: 'nginx',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          },
        ],
      }),
      '0/1',
      'ContainerCreating',
      '0',
    ],
    [
      'crash loop with last restart 5s ago',
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'web',
            image: 'nginx',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5) } },
          },
        ],
      }),
      '0/1',
      'CrashLoopBackOff',
      '3 (5s ago)',
    ],
    [
      'completed',
      pod({
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'web',
            image: 'nginx',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
        ],
      }),
      '0/1',
      'Completed',
      '0',
    ],
    [
      'error exit',
      pod({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'web',
            image: 'nginx',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      }),
      '0/1',
      'Error',
      '0',
    ],
    [
      'terminated without a reason',
      pod({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'web',
            image: 'nginx',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137 } },
          },
        ],
      }),
      '0/1',
      'ExitCode:137',
      '0',
    ],
    [
      'first of one init container running',
      pod(
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'init', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: running },
          ],
          containerStatuses: [
            {
              name: 'web',
              image: 'nginx',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'PodInitializing' } },
            },
          ],
        },
        { initContainers: [{ name: 'init', image: 'busybox' }] },
      ),
      '0/1',
      'Init:0/1',
      '0',
    ],
    [
      'init container crash looping',
      pod(
        {
          phase: 'Pending',
          initContainerStatuses: [
            {
              name: 'init',
              image: 'busybox',
              imageID: '',
              ready: false,
              restartCount: 2,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
            },
          ],
        },
        { initContainers: [{ name: 'init', image: 'busybox' }] },
      ),
      '0/1',
      'Init:CrashLoopBackOff',
      '2',
    ],
    [
      'deleted while running',
      pod(
        {
          phase: 'Running',
          containerStatuses: [
            { name: 'web', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running },
          ],
        },
        {},
        { name: 'web-1', creationTimestamp: ago(300), deletionTimestamp: ago(1) },
      ),
      '1/1',
      'Terminating',
      '0',
    ],
    [
      'deleted on a lost node',
      pod(
        { phase: 'Running', reason: 'NodeLost' },
        {},
        { name: 'web-1', creationTimestamp: ago(300), deletionTimestamp: ago(1) },
      ),
      '0/1',
      'Unknown',
      '0',
    ],
    [
      'sidecar counts towards ready and total',
      pod(
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            {
              name: 'proxy',
              image: 'envoy',
              imageID: '',
              ready: true,
              started: true,
              restartCount: 1,
              state: running,
            },
          ],
          containerStatuses: [
            { name: 'web', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running },
          ],
        },
        { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
      ),
      '2/2',
      'Running',
      '1',
    ],
  ])('%s', (_name, p, ready, status, restarts) => {
    expect(podSummary(p, NOW)).toEqual({ ready, status, restarts });
  });
});

describe('toTable for pods', () => {
  const p = pod(
    { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
    { nodeName: 'worker-1' },
    { name: 'web-1', namespace: 'default', creationTimestamp: ago(330), labels: { app: 'web' } },
  );

  it('has kube-apiserver columns and wide cells', () => {
    const table = toTable({ kind: 'Pod' }, [p], { now: NOW, resourceVersion: '42' });
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({ resourceVersion: '42' });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ]);
    expect(table.rows[0]!.cells).toEqual([
      'web-1',
      '0/1',
      'Running',
      '0',
      '5m30s',
      '10.244.1.5',
      'worker-1',
      '<none>',
      '<none>',
    ]);
  });

  it('carries PartialObjectMetadata by default, the object on request, nothing for None', () => {
    expect(toTable({ kind: 'Pod' }, [p], { now: NOW }).rows[0]!.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: p.metadata,
    });
    expect(toTable({ kind: 'Pod' }, [p], { now: NOW, includeObject: 'Object' }).rows[0]!.object).toBe(p);
    expect(toTable({ kind: 'Pod' }, [p], { now: NOW, includeObject: 'None' }).rows[0]).not.toHaveProperty(
      'object',
    );
  });

  it('marks finished pods with a Completed row condition', () => {
    const done = pod({ phase: 'Succeeded' });
    expect(toTable({ kind: 'Pod' }, [done], { now: NOW }).rows[0]!.conditions).toEqual([
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
  });

  it('falls back to Name / Created At for kinds without a printer', () => {
    const table = toTable(
      { kind: 'Widget' },
      [{ metadata: { name: 'w', creationTimestamp: '2024-01-01T00:00:00Z' } }],
      { now: NOW },
    );
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(table.rows[0]!.cells).toEqual(['w', '2024-01-01T00:00:00Z']);
  });
});
