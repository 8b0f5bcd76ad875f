import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../src/api/node-info.js';
import { podInfoOf } from '../../src/api/pod-info.js';
import { type FilterPlugin, snapshotOf } from '../../src/scheduler/framework.js';
import { nodeAffinityFilter } from '../../src/scheduler/plugins/node-affinity.js';
import { nodeName } from '../../src/scheduler/plugins/node-name.js';
import { nodePorts } from '../../src/scheduler/plugins/node-ports.js';
import { nodeReady, nodeUnschedulable } from '../../src/scheduler/plugins/node-ready.js';
import { nodeResourcesFitFilter } from '../../src/scheduler/plugins/node-resources.js';
import { podAntiAffinity } from '../../src/scheduler/plugins/pod-anti-affinity.js';
import { taintTolerationFilter } from '../../src/scheduler/plugins/taint-toleration.js';
import { node, nodeWith, pod } from './scheduler-fixtures.js';

interface Case {
  name: string;
  pod: Pod;
  node: NodeInfo;
  /** Other nodes in the cluster (anti-affinity looks across nodes). */
  others?: NodeInfo[];
  want: readonly string[] | undefined;
}

function run(plugin: FilterPlugin, c: Case): readonly string[] | undefined {
  const check = plugin.prepare(podInfoOf(c.pod), snapshotOf([c.node, ...(c.others ?? [])]));
  return check?.(c.node);
}

function table(plugin: FilterPlugin, cases: Case[]) {
  describe(plugin.name, () => {
    it.each(cases)('$name', (c) => {
      expect(run(plugin, c)).toEqual(c.want);
    });
  });
}

const notReady = ['node(s) were not ready'];
table(nodeReady, [
  { name: 'Ready=True passes', pod: pod('p'), node: nodeWith(node('n')), want: undefined },
  {
    name: 'Ready=False is not ready',
    pod: pod('p'),
    node: nodeWith(node('n', { ready: 'False' })),
    want: notReady,
  },
  {
    name: 'Ready=Unknown is not ready',
    pod: pod('p'),
    node: nodeWith(node('n', { ready: 'Unknown' })),
    want: notReady,
  },
  {
    name: 'no Ready condition is not ready',
    pod: pod('p'),
    node: nodeWith(node('n', { ready: null })),
    want: notReady,
  },
  {
    name: 'tolerating the not-ready taint passes',
    pod: pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] } }),
    node: nodeWith(node('n', { ready: 'False' })),
    want: undefined,
  },
  {
    name: 'tolerating not-ready does not cover unreachable',
    pod: pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] } }),
    node: nodeWith(node('n', { ready: 'Unknown' })),
    want: notReady,
  },
]);

table(nodeUnschedulable, [
  { name: 'schedulable node passes', pod: pod('p'), node: nodeWith(node('n')), want: undefined },
  {
    name: 'cordoned node is unschedulable',
    pod: pod('p'),
    node: nodeWith(node('n', { unschedulable: true })),
    want: ['node(s) were unschedulable'],
  },
  {
    name: 'tolerating node.kubernetes.io/unschedulable passes',
    pod: pod('p', {
      spec: {
        tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      },
    }),
    node: nodeWith(node('n', { unschedulable: true })),
    want: undefined,
  },
]);

table(nodeName, [
  { name: 'no nodeName passes', pod: pod('p'), node: nodeWith(node('a')), want: undefined },
  {
    name: 'matching nodeName passes',
    pod: pod('p', { nodeName: 'a' }),
    node: nodeWith(node('a')),
    want: undefined,
  },
  {
    name: 'other nodeName fails',
    pod: pod('p', { nodeName: 'b' }),
    node: nodeWith(node('a')),
    want: ["node(s) didn't match the requested node name"],
  },
]);

const gpuTaint = { key: 'gpu', value: 'true', effect: 'NoSchedule' };
table(taintTolerationFilter, [
  { name: 'untainted node passes', pod: pod('p'), node: nodeWith(node('n')), want: undefined },
  {
    name: 'NoSchedule taint keeps the pod out, in kube words',
    pod: pod('p'),
    node: nodeWith(node('n', { taints: [gpuTaint] })),
    want: ['node(s) had untolerated taint {gpu: true}'],
  },
  {
    name: 'NoExecute taint keeps the pod out',
    pod: pod('p'),
    node: nodeWith(node('n', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] })),
    want: ['node(s) had untolerated taint {dedicated: db}'],
  },
  {
    name: 'PreferNoSchedule is only a score',
    pod: pod('p'),
    node: nodeWith(node('n', { taints: [{ key: 'spot', value: 'yes', effect: 'PreferNoSchedule' }] })),
    want: undefined,
  },
  {
    name: 'Equal toleration with the value passes',
    pod: pod('p', {
      spec: { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] },
    }),
    node: nodeWith(node('n', { taints: [gpuTaint] })),
    want: undefined,
  },
  {
    name: 'Equal toleration with another value fails',
    pod: pod('p', { spec: { tolerations: [{ key: 'gpu', value: 'false' }] } }),
    node: nodeWith(node('n', { taints: [gpuTaint] })),
    want: ['node(s) had untolerated taint {gpu: true}'],
  },
  {
    name: 'toleration for another effect fails',
    pod: pod('p', { spec: { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }] } }),
    node: nodeWith(node('n', { taints: [gpuTaint] })),
    want: ['node(s) had untolerated taint {gpu: true}'],
  },
  {
    name: 'empty key with Exists tolerates everything',
    pod: pod('p', { spec: { tolerations: [{ operator: 'Exists' }] } }),
    node: nodeWith(node('n', { taints: [gpuTaint] })),
    want: undefined,
  },
]);

const affinityReason = ["node(s) didn't match Pod's node affinity/selector"];
const requiredAffinity = (key: string, operator: string, values?: string[]) => ({
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
      },
    },
  },
});
table(nodeAffinityFilter, [
  { name: 'no selector passes', pod: pod('p'), node: nodeWith(node('n')), want: undefined },
  {
    name: 'nodeSelector matching passes',
    pod: pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }),
    node: nodeWith(node('n', { labels: { disk: 'ssd' } })),
    want: undefined,
  },
  {
    name: 'nodeSelector not matching fails',
    pod: pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }),
    node: nodeWith(node('n', { labels: { disk: 'hdd' } })),
    want: affinityReason,
  },
  {
    name: 'In matches',
    pod: pod('p', { spec: requiredAffinity('zone', 'In', ['a', 'b']) }),
    node: nodeWith(node('n', { labels: { zone: 'b' } })),
    want: undefined,
  },
  {
    name: 'NotIn with the label absent matches',
    pod: pod('p', { spec: requiredAffinity('zone', 'NotIn', ['a']) }),
    node: nodeWith(node('n')),
    want: undefined,
  },
  {
    name: 'DoesNotExist fails when the label exists',
    pod: pod('p', { spec: requiredAffinity('zone', 'DoesNotExist') }),
    node: nodeWith(node('n', { labels: { zone: 'a' } })),
    want: affinityReason,
  },
  {
    name: 'Gt compares integers',
    pod: pod('p', { spec: requiredAffinity('cores', 'Gt', ['8']) }),
    node: nodeWith(node('n', { labels: { cores: '16' } })),
    want: undefined,
  },
  {
    name: 'Lt fails when larger',
    pod: pod('p', { spec: requiredAffinity('cores', 'Lt', ['8']) }),
    node: nodeWith(node('n', { labels: { cores: '16' } })),
    want: affinityReason,
  },
  {
    name: 'matchFields metadata.name',
    pod: pod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['other'] }] },
              ],
            },
          },
        },
      },
    }),
    node: nodeWith(node('n')),
    want: affinityReason,
  },
  {
    name: 'both nodeSelector and affinity must hold',
    pod: pod('p', { spec: { nodeSelector: { disk: 'ssd' }, ...requiredAffinity('zone', 'In', ['a']) } }),
    node: nodeWith(node('n', { labels: { disk: 'ssd', zone: 'b' } })),
    want: affinityReason,
  },
]);

const webPort = (hostPort: number, hostIP?: string, protocol?: string) => ({
  container: {
    ports: [
      { containerPort: 80, hostPort, ...(hostIP ? { hostIP } : {}), ...(protocol ? { protocol } : {}) },
    ],
  },
});
const portsReason = ["node(s) didn't have free ports for the requested pod ports"];
table(nodePorts, [
  {
    name: 'no host ports passes',
    pod: pod('p'),
    node: nodeWith(node('n'), pod('q', webPort(80))),
    want: undefined,
  },
  {
    name: 'free port passes',
    pod: pod('p', webPort(8080)),
    node: nodeWith(node('n'), pod('q', webPort(80))),
    want: undefined,
  },
  {
    name: 'same port conflicts',
    pod: pod('p', webPort(80)),
    node: nodeWith(node('n'), pod('q', webPort(80))),
    want: portsReason,
  },
  {
    name: 'same port on different protocols passes',
    pod: pod('p', webPort(53, undefined, 'UDP')),
    node: nodeWith(node('n'), pod('q', webPort(53))),
    want: undefined,
  },
  {
    name: 'distinct specific host IPs pass',
    pod: pod('p', webPort(80, '10.0.0.1')),
    node: nodeWith(node('n'), pod('q', webPort(80, '10.0.0.2'))),
    want: undefined,
  },
  {
    name: 'wildcard conflicts with a specific IP',
    pod: pod('p', webPort(80, '10.0.0.1')),
    node: nodeWith(node('n'), pod('q', webPort(80))),
    want: portsReason,
  },
]);

table(nodeResourcesFitFilter, [
  { name: 'fits', pod: pod('p', { cpu: '1', memory: '1Gi' }), node: nodeWith(node('n')), want: undefined },
  {
    name: 'too much cpu',
    pod: pod('p', { cpu: '3' }),
    node: nodeWith(node('n', { cpu: '4' }), pod('q', { cpu: '1500m' })),
    want: ['Insufficient cpu'],
  },
  {
    name: 'too much memory',
    pod: pod('p', { memory: '5Gi' }),
    node: nodeWith(node('n', { memory: '8Gi' }), pod('q', { memory: '4Gi' })),
    want: ['Insufficient memory'],
  },
  {
    name: 'both, in kube order',
    pod: pod('p', { cpu: '8', memory: '16Gi' }),
    node: nodeWith(node('n')),
    want: ['Insufficient cpu', 'Insufficient memory'],
  },
  {
    name: 'pod count limit',
    pod: pod('p'),
    node: nodeWith(node('n', { pods: '2' }), pod('a'), pod('b')),
    want: ['Too many pods'],
  },
  {
    name: 'requests default from limits',
    pod: pod('p', { container: { resources: { limits: { cpu: '5' } } } }),
    node: nodeWith(node('n', { cpu: '4' })),
    want: ['Insufficient cpu'],
  },
  {
    name: 'the largest init container counts when larger than the containers',
    pod: pod('p', {
      cpu: '100m',
      spec: {
        initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '4500m' } } }],
      },
    }),
    node: nodeWith(node('n', { cpu: '4' })),
    want: ['Insufficient cpu'],
  },
  {
    name: 'a pod with no requests fits a full node',
    pod: pod('p'),
    node: nodeWith(node('n', { cpu: '1' }), pod('q', { cpu: '1' })),
    want: undefined,
  },
]);

const antiWeb = {
  affinity: {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  },
};
table(podAntiAffinity, [
  {
    name: 'no matching pod on the node passes',
    pod: pod('p', { labels: { app: 'web' }, spec: antiWeb }),
    node: nodeWith(node('n'), pod('q', { labels: { app: 'db' } })),
    others: [nodeWith(node('m'), pod('r', { labels: { app: 'web' } }))],
    want: undefined,
  },
  {
    name: 'a matching pod on the node fails',
    pod: pod('p', { labels: { app: 'web' }, spec: antiWeb }),
    node: nodeWith(node('n'), pod('q', { labels: { app: 'web' } })),
    want: ["node(s) didn't match pod anti-affinity rules"],
  },
  {
    name: 'a matching pod in another namespace does not count',
    pod: pod('p', { labels: { app: 'web' }, spec: antiWeb }),
    node: nodeWith(node('n'), pod('q', { namespace: 'other', labels: { app: 'web' } })),
    want: undefined,
  },
  {
    name: "an existing pod's anti-affinity keeps the newcomer out",
    pod: pod('p', { labels: { app: 'web' } }),
    node: nodeWith(node('n'), pod('q', { labels: { app: 'cache' }, spec: antiWeb })),
    want: ["node(s) didn't satisfy existing pods anti-affinity rules"],
  },
  {
    name: 'a node without the hostname label is its own domain',
    pod: pod('p', { labels: { app: 'web' }, spec: antiWeb }),
    node: nodeWith({ ...node('n'), metadata: { name: 'n' } }, pod('q', { labels: { app: 'web' } })),
    want: ["node(s) didn't match pod anti-affinity rules"],
  },
]);
