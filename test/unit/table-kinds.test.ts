import { describe, expect, it } from 'vitest';
import { toTable } from '../../src/api/table/to-table.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const created = new Date(NOW - 3 * 24 * 3600_000).toISOString();
const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: created });
const cellsOf = (kind: string, obj: unknown) => toTable({ kind }, [obj], { now: NOW }).rows[0]!.cells;
const columnsOf = (kind: string) =>
  toTable({ kind }, [], { now: NOW }).columnDefinitions.map((c) => (c.priority ? `(${c.name})` : c.name));

describe('table columns per kind', () => {
  it.each([
    [
      'Node',
      'Name Status Roles Age Version (Internal-IP) (External-IP) (OS-Image) (Kernel-Version) (Container-Runtime)',
    ],
    ['Namespace', 'Name Status Age'],
    ['Service', 'Name Type Cluster-IP External-IP Port(s) Age (Selector)'],
    ['Endpoints', 'Name Endpoints Age'],
    ['ConfigMap', 'Name Data Age'],
    ['Secret', 'Name Type Data Age'],
    ['Event', 'Last Seen Type Reason Object (Subobject) (Source) Message (First Seen) (Count) (Name)'],
    ['Lease', 'Name Holder Age'],
    ['Deployment', 'Name Ready Up-to-date Available Age (Containers) (Images) (Selector)'],
    ['ReplicaSet', 'Name Desired Current Ready Age (Containers) (Images) (Selector)'],
    [
      'DaemonSet',
      'Name Desired Current Ready Up-to-date Available Node Selector Age (Containers) (Images) (Selector)',
    ],
    ['StatefulSet', 'Name Ready Age (Containers) (Images)'],
    ['Job', 'Name Status Completions Duration Age (Containers) (Images) (Selector)'],
    ['CronJob', 'Name Schedule Timezone Suspend Active Last Schedule Age (Containers) (Images) (Selector)'],
    ['Ingress', 'Name Class Hosts Address Ports Age'],
    ['HorizontalPodAutoscaler', 'Name Reference Targets MinPods MaxPods Replicas Age'],
  ])('%s', (kind, columns) => {
    expect(columnsOf(kind).join(' ')).toBe(columns);
  });
});

describe('table cells per kind', () => {
  it('Node: Ready, cordoned, roles and addresses', () => {
    const node = {
      metadata: {
        name: 'cp-1',
        creationTimestamp: created,
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'lab' },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [
          { type: 'InternalIP', address: '10.0.0.2' },
          { type: 'Hostname', address: 'cp-1' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Ubuntu 24.04',
          kernelVersion: '6.8.0',
          containerRuntimeVersion: 'docker://27.0.3',
        },
      },
    };
    expect(cellsOf('Node', node)).toEqual([
      'cp-1',
      'Ready,SchedulingDisabled',
      'control-plane,lab',
      '3d',
      'v1.32.0',
      '10.0.0.2',
      '<none>',
      'Ubuntu 24.04',
      '6.8.0',
      'docker://27.0.3',
    ]);
    expect(
      cellsOf('Node', {
        metadata: { name: 'n' },
        status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
      }).slice(0, 4),
    ).toEqual(['n', 'NotReady', '<none>', '<unknown>']);
    expect(cellsOf('Node', { metadata: { name: 'n' } })[1]).toBe('Unknown');
  });

  it.each([
    [
      'ClusterIP',
      {
        spec: {
          type: 'ClusterIP',
          clusterIP: '10.96.0.10',
          clusterIPs: ['10.96.0.10'],
          ports: [{ port: 80, protocol: 'TCP' }],
          selector: { app: 'web' },
        },
      },
      ['ClusterIP', '10.96.0.10', '<none>', '80/TCP', '3d', 'app=web'],
    ],
    [
      'NodePort with two ports',
      {
        spec: {
          type: 'NodePort',
          clusterIPs: ['10.96.0.11'],
          ports: [
            { port: 80, nodePort: 30080, protocol: 'TCP' },
            { port: 53, protocol: 'UDP' },
          ],
        },
      },
      ['NodePort', '10.96.0.11', '<none>', '80:30080/TCP,53/UDP', '3d', '<none>'],
    ],
    [
      'LoadBalancer pending',
      {
        spec: {
          type: 'LoadBalancer',
          clusterIPs: ['10.96.0.12'],
          ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
        },
      },
      ['LoadBalancer', '10.96.0.12', '<pending>', '443:31443/TCP', '3d', '<none>'],
    ],
    [
      'headless',
      { spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } },
      ['ClusterIP', 'None', '<none>', '<none>', '3d', '<none>'],
    ],
  ])('Service %s', (_n, svc, cells) => {
    expect(cellsOf('Service', { metadata: meta('web'), ...svc })).toEqual(['web', ...cells]);
  });

  it('Endpoints: three addresses then "+ N more..."', () => {
    const ep = {
      metadata: meta('web'),
      subsets: [
        {
          addresses: ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'].map((ip) => ({ ip })),
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ],
    };
    expect(cellsOf('Endpoints', ep)).toEqual([
      'web',
      '10.1.0.1:8080,10.1.0.2:8080,10.1.0.3:8080 + 1 more...',
      '3d',
    ]);
    expect(cellsOf('Endpoints', { metadata: meta('none') })[1]).toBe('<none>');
  });

  it('ConfigMap, Secret, Namespace, Lease', () => {
    expect(
      cellsOf('ConfigMap', { metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }),
    ).toEqual(['cfg', 3, '3d']);
    expect(
      cellsOf('Secret', { metadata: meta('s'), type: 'Opaque', data: { password: 'cGFzcw==' } }),
    ).toEqual(['s', 'Opaque', 1, '3d']);
    expect(cellsOf('Namespace', { metadata: meta('dev'), status: { phase: 'Active' } })).toEqual([
      'dev',
      'Active',
      '3d',
    ]);
    expect(cellsOf('Lease', { metadata: meta('worker-1'), spec: { holderIdentity: 'worker-1' } })).toEqual([
      'worker-1',
      'worker-1',
      '3d',
    ]);
  });

  it('Event: ages, object and wide cells', () => {
    const ev = {
      metadata: meta('web-1.17a'),
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      type: 'Warning',
      source: { component: 'kubelet', host: 'worker-1' },
      firstTimestamp: new Date(NOW - 600_000).toISOString(),
      lastTimestamp: new Date(NOW - 30_000).toISOString(),
      count: 7,
    };
    expect(cellsOf('Event', ev)).toEqual([
      '30s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{web}',
      'kubelet, worker-1',
      'Back-off restarting failed container',
      '10m',
      7,
      'web-1.17a',
    ]);
  });

  it('Deployment, ReplicaSet, DaemonSet, StatefulSet', () => {
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.25' },
          { name: 'log', image: 'busybox' },
        ],
      },
    };
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }],
    };
    expect(
      cellsOf('Deployment', {
        metadata: meta('web'),
        spec: { replicas: 3, selector, template },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      }),
    ).toEqual(['web', '2/3', 3, 2, '3d', 'web,log', 'nginx:1.25,busybox', 'app=web,tier in (edge,front)']);
    expect(
      cellsOf('ReplicaSet', {
        metadata: meta('web-5d4f'),
        spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
        status: { replicas: 3, readyReplicas: 1 },
      }),
    ).toEqual(['web-5d4f', 3, 3, 1, '3d', 'web,log', 'nginx:1.25,busybox', 'app=web']);
    expect(
      cellsOf('DaemonSet', {
        metadata: meta('agent'),
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            spec: {
              nodeSelector: { 'kubernetes.io/os': 'linux' },
              containers: [{ name: 'a', image: 'agent:1' }],
            },
          },
        },
        status: {
          desiredNumberScheduled: 2,
          currentNumberScheduled: 2,
          numberReady: 1,
          updatedNumberScheduled: 2,
          numberAvailable: 1,
        },
      }),
    ).toEqual(['agent', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '3d', 'a', 'agent:1', 'app=agent']);
    expect(
      cellsOf('StatefulSet', {
        metadata: meta('db'),
        spec: { replicas: 3, template },
        status: { readyReplicas: 3 },
      }),
    ).toEqual(['db', '3/3', '3d', 'web,log', 'nginx:1.25,busybox']);
  });

  it.each([
    [
      'running',
      { spec: { completions: 3 }, status: { startTime: new Date(NOW - 65_000).toISOString(), succeeded: 1 } },
      ['Running', '1/3', '65s'],
    ],
    [
      'complete',
      {
        spec: { completions: 1 },
        status: {
          startTime: new Date(NOW - 600_000).toISOString(),
          completionTime: new Date(NOW - 590_000).toISOString(),
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True' }],
        },
      },
      ['Complete', '1/1', '10s'],
    ],
    [
      'failed',
      { spec: { parallelism: 2 }, status: { conditions: [{ type: 'Failed', status: 'True' }] } },
      ['Failed', '0/1 of 2', ''],
    ],
    [
      'suspended',
      { spec: { completions: 2 }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } },
      ['Suspended', '0/2', ''],
    ],
  ])('Job %s', (_n, job, cells) => {
    expect(cellsOf('Job', { metadata: meta('pi'), ...job }).slice(1, 4)).toEqual(cells);
  });

  it('CronJob', () => {
    const cj = {
      metadata: meta('hello'),
      spec: {
        schedule: '*/1 * * * *',
        suspend: false,
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.28' }] } } },
        },
      },
      status: { active: [{ name: 'hello-1' }], lastScheduleTime: new Date(NOW - 40_000).toISOString() },
    };
    expect(cellsOf('CronJob', cj)).toEqual([
      'hello',
      '*/1 * * * *',
      '<none>',
      'False',
      1,
      '40s',
      '3d',
      'hello',
      'busybox:1.28',
      '<none>',
    ]);
  });

  it('Ingress', () => {
    const ing = {
      metadata: meta('web'),
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        rules: ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'].map((host) => ({ host })),
      },
      status: { loadBalancer: { ingress: [{ ip: '192.168.49.2' }] } },
    };
    expect(cellsOf('Ingress', ing)).toEqual([
      'web',
      'nginx',
      'a.example.com,b.example.com,c.example.com + 1 more...',
      '192.168.49.2',
      '80, 443',
      '3d',
    ]);
    expect(cellsOf('Ingress', { metadata: meta('x'), spec: {} })).toEqual([
      'x',
      '<none>',
      '*',
      '',
      '80',
      '3d',
    ]);
  });

  it('HorizontalPodAutoscaler', () => {
    const hpa = {
      metadata: meta('web'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
          },
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
          },
        ],
      },
      status: {
        currentReplicas: 2,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: 40, averageValue: '40m' } },
          },
        ],
      },
    };
    expect(cellsOf('HorizontalPodAutoscaler', hpa)).toEqual([
      'web',
      'Deployment/web',
      'cpu: 40%/50%, memory: <unknown>/100Mi + 1 more...',
      '1',
      10,
      2,
      '3d',
    ]);
    expect(
      cellsOf('HorizontalPodAutoscaler', {
        metadata: meta('x'),
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 },
      })[2],
    ).toBe('<none>');
  });
});
