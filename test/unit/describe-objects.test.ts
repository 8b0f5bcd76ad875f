import { describe, expect, it } from 'vitest';
import { describe as describeObject } from '../../src/api/describe/describe.js';
import { smartLabel } from '../../src/api/describe/generic.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const pod: any = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-5d4f8b7c9-abcde',
    namespace: 'default',
    labels: { app: 'web', 'pod-template-hash': '5d4f8b7c9' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f8b7c9', uid: 'u', controller: true },
    ],
    creationTimestamp: '2024-05-01T11:55:00Z',
  },
  spec: {
    nodeName: 'worker-1',
    serviceAccountName: 'default',
    priority: 0,
    containers: [
      {
        name: 'web',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
        readinessProbe: { httpGet: { path: '/', port: 80 } },
        env: [{ name: 'MODE', value: 'prod' }],
        volumeMounts: [
          {
            name: 'kube-api-access-x',
            mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            readOnly: true,
          },
        ],
      },
    ],
    volumes: [
      {
        name: 'kube-api-access-x',
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt' } },
            { downwardAPI: {} },
          ],
        },
      },
    ],
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
  },
  status: {
    phase: 'Running',
    hostIP: '10.0.0.3',
    podIP: '10.244.1.5',
    podIPs: [{ ip: '10.244.1.5' }],
    startTime: '2024-05-01T11:55:00Z',
    qosClass: 'Burstable',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
    containerStatuses: [
      {
        name: 'web',
        image: 'nginx:1.25',
        imageID: 'docker-pullable://nginx@sha256:abc',
        containerID: 'docker://123',
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: '2024-05-01T11:55:03Z' } },
      },
    ],
  },
};
const events: any[] = [
  {
    type: 'Normal',
    reason: 'Scheduled',
    message: 'Successfully assigned default/web-5d4f8b7c9-abcde to worker-1',
    source: { component: 'default-scheduler' },
    firstTimestamp: '2024-05-01T11:55:00Z',
    lastTimestamp: '2024-05-01T11:55:00Z',
    count: 1,
    involvedObject: { kind: 'Pod', name: 'x' },
    metadata: { name: 'e1' },
  },
  {
    type: 'Normal',
    reason: 'Pulled',
    message: 'Container image "nginx:1.25" already present on machine',
    source: { component: 'kubelet' },
    firstTimestamp: '2024-05-01T11:55:01Z',
    lastTimestamp: '2024-05-01T11:57:01Z',
    count: 3,
    involvedObject: { kind: 'Pod', name: 'x' },
    metadata: { name: 'e2' },
  },
];

const EXPECTED_POD = [
  'Name:             web-5d4f8b7c9-abcde',
  'Namespace:        default',
  'Priority:         0',
  'Service Account:  default',
  'Node:             worker-1/10.0.0.3',
  'Start Time:       Wed, 01 May 2024 11:55:00 +0000',
  'Labels:           app=web',
  '                  pod-template-hash=5d4f8b7c9',
  'Annotations:      <none>',
  'Status:           Running',
  'IP:               10.244.1.5',
  'IPs:',
  '  IP:           10.244.1.5',
  'Controlled By:  ReplicaSet/web-5d4f8b7c9',
  'Containers:',
  '  web:',
  '    Container ID:   docker://123',
  '    Image:          nginx:1.25',
  '    Image ID:       docker-pullable://nginx@sha256:abc',
  '    Port:           80/TCP',
  '    Host Port:      0/TCP',
  '    State:          Running',
  '      Started:      Wed, 01 May 2024 11:55:03 +0000',
  '    Ready:          True',
  '    Restart Count:  0',
  '    Requests:',
  '      cpu:      100m',
  '      memory:   64Mi',
  '    Readiness:  http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3',
  '    Environment:',
  '      MODE:  prod',
  '    Mounts:',
  '      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x (ro)',
  'Conditions:',
  '  Type              Status',
  '  Initialized       True ',
  '  Ready             True ',
  '  ContainersReady   True ',
  '  PodScheduled      True ',
  'Volumes:',
  '  kube-api-access-x:',
  '    Type:                    Projected (a volume that contains injected data from multiple sources)',
  '    TokenExpirationSeconds:  3607',
  '    ConfigMapName:           kube-root-ca.crt',
  '    Optional:                false',
  '    DownwardAPI:             true',
  'QoS Class:                   Burstable',
  'Node-Selectors:              <none>',
  'Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s',
  '                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s',
  'Scheduling Explanation:',
  '  worker-1: chosen (score 87)',
  '  worker-2: 0/1 Insufficient cpu',
  'Events:',
  '  Type    Reason     Age                    From               Message',
  '  ----    ------     ----                   ----               -------',
  '  Normal  Scheduled  5m                     default-scheduler  Successfully assigned default/web-5d4f8b7c9-abcde to worker-1',
  '  Normal  Pulled     2m59s (x3 over 4m59s)  kubelet            Container image "nginx:1.25" already present on machine',
  '',
].join('\n');

const EXPECTED_DEPLOYMENT = [
  'Name:                   nginx-deployment',
  'Namespace:              default',
  'CreationTimestamp:      Wed, 01 May 2024 11:00:00 +0000',
  'Labels:                 app=nginx',
  'Annotations:            deployment.kubernetes.io/revision: 2',
  'Selector:               app=nginx',
  'Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable',
  'StrategyType:           RollingUpdate',
  'MinReadySeconds:        0',
  'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
  'Pod Template:',
  '  Labels:  app=nginx',
  '  Containers:',
  '   nginx:',
  '    Image:         nginx:1.14.2',
  '    Port:          80/TCP',
  '    Host Port:     0/TCP',
  '    Environment:   <none>',
  '    Mounts:        <none>',
  '  Volumes:         <none>',
  '  Node-Selectors:  <none>',
  '  Tolerations:     <none>',
  'Conditions:',
  '  Type           Status  Reason',
  '  ----           ------  ------',
  '  Available      True    MinimumReplicasAvailable',
  '  Progressing    True    NewReplicaSetAvailable',
  'OldReplicaSets:  <none>',
  'NewReplicaSet:   nginx-deployment-1564180365 (3/3 replicas created)',
  'Events:          <none>',
  '',
].join('\n');

describe('describe pod', () => {
  it('matches kubectl layout, with the scheduling explanation before Events', () => {
    const text = describeObject(pod, {
      events: events as never,
      now: NOW,
      schedulingExplanation: 'worker-1: chosen (score 87)\nworker-2: 0/1 Insufficient cpu',
    });
    expect(text).toBe(EXPECTED_POD);
  });

  it('prints "Events:  <none>" and no explanation section when there is none', () => {
    const text = describeObject(pod, { events: [], now: NOW });
    expect(text).not.toContain('Scheduling Explanation');
    expect(text.endsWith('Events:                      <none>\n')).toBe(true);
  });

  it('shows a deleted pod as Terminating with its grace period', () => {
    const deleting = {
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: '2024-05-01T11:59:50Z',
        deletionGracePeriodSeconds: 30,
      },
    };
    const text = describeObject(deleting, { events: [], now: NOW });
    expect(text).toContain(
      'Status:                    Terminating (lasts 10s)\nTermination Grace Period:  30s\n',
    );
  });
});

describe('describe secret and configmap', () => {
  it('hides secret values and shows their sizes', () => {
    const text = describeObject(
      {
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'default' },
        type: 'Opaque',
        data: { password: Buffer.from('hello').toString('base64'), user: 'YWRtaW4=' },
      },
      { events: [], now: NOW },
    );
    expect(text).toBe(
      'Name:         db\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  5 bytes\nuser:      5 bytes\n',
    );
  });

  it('prints configmap data verbatim', () => {
    const text = describeObject(
      { kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'port=80' } },
      { events: [], now: NOW },
    );
    expect(text).toBe(
      'Name:         cfg\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\napp.conf:\n----\nport=80\n\n\nBinaryData\n====\n\nEvents:  <none>\n',
    );
  });
});

describe('describe deployment', () => {
  const template = {
    metadata: { labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
  };
  const deployment = {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name: 'nginx-deployment',
      namespace: 'default',
      labels: { app: 'nginx' },
      annotations: { 'deployment.kubernetes.io/revision': '2' },
      creationTimestamp: '2024-05-01T11:00:00Z',
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      template,
    },
    status: {
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      readyReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  };
  const rs = (name: string, image: string, replicas: number) => ({
    metadata: { name },
    spec: {
      replicas,
      template: {
        ...template,
        metadata: { labels: { app: 'nginx', 'pod-template-hash': name.split('-').at(-1)! } },
        spec: { containers: [{ ...template.spec.containers[0]!, image }] },
      },
    },
    status: { replicas },
  });

  it('matches the kubectl docs example, with old and new ReplicaSets', () => {
    const text = describeObject(deployment, {
      events: [],
      now: NOW,
      related: {
        replicaSets: [
          rs('nginx-deployment-1564180365', 'nginx:1.14.2', 3),
          rs('nginx-deployment-2035384211', 'nginx:1.13', 0),
        ] as never,
      },
    });
    expect(text).toBe(EXPECTED_DEPLOYMENT);
  });
});

describe('generic describe (Lease, Event, other kinds)', () => {
  it.each([
    ['apiVersion', 'API Version'],
    ['creationTimestamp', 'Creation Timestamp'],
    ['uid', 'UID'],
    ['holderIdentity', 'Holder Identity'],
    ['ipv4', 'ipv4'],
  ])('smartLabel(%s) = %s', (field, label) => {
    expect(smartLabel(field)).toBe(label);
  });

  it('prints a Lease as a field tree', () => {
    const lease = {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: {
        name: 'worker-1',
        namespace: 'kube-node-lease',
        resourceVersion: '12',
        creationTimestamp: '2024-05-01T11:00:00Z',
      },
      spec: { holderIdentity: 'worker-1', leaseDurationSeconds: 40 },
    };
    expect(describeObject(lease, { events: [], now: NOW })).toBe(
      [
        'Name:         worker-1',
        'Namespace:    kube-node-lease',
        'Labels:       <none>',
        'Annotations:  <none>',
        'API Version:  coordination.k8s.io/v1',
        'Kind:         Lease',
        'Metadata:',
        '  Creation Timestamp:  2024-05-01T11:00:00Z',
        '  Resource Version:    12',
        'Spec:',
        '  Holder Identity:         worker-1',
        '  Lease Duration Seconds:  40',
        'Events:                    <none>',
        '',
      ].join('\n'),
    );
  });
});
