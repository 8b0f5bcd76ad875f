import { describe, expect, it } from 'vitest';
import { parseFieldSelector } from '../../src/api/field-selector.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop' },
  spec: {
    nodeName: 'node-a',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    serviceAccountName: 'default',
  },
  status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
};
const event = {
  metadata: { name: 'web-1.17a', namespace: 'shop' },
  involvedObject: {
    kind: 'Pod',
    namespace: 'shop',
    name: 'web-1',
    uid: 'u1',
    apiVersion: 'v1',
    fieldPath: 'spec.containers{web}',
  },
  reason: 'Pulled',
  source: { component: 'kubelet', host: 'node-a' },
  type: 'Normal',
};

describe('parseFieldSelector', () => {
  it.each([
    ['Pod', 'metadata.name=web-1', pod, true],
    ['Pod', 'metadata.name==web-1', pod, true],
    ['Pod', 'metadata.name!=web-1', pod, false],
    ['Pod', 'metadata.namespace=shop,status.phase=Running', pod, true],
    ['Pod', 'spec.nodeName=node-a', pod, true],
    ['Pod', 'spec.nodeName=', pod, false],
    ['Pod', 'spec.nodeName=', { metadata: { name: 'p' } }, true], // unscheduled pods: missing reads as ""
    ['Pod', 'status.phase!=Succeeded,status.phase!=Failed', pod, true],
    ['Pod', 'spec.restartPolicy=Always', pod, true],
    ['Pod', 'spec.schedulerName=default-scheduler', pod, true],
    ['Pod', 'spec.serviceAccountName=default', pod, true],
    ['Pod', 'status.podIP=10.0.0.5', pod, true],
    ['Pod', 'spec.hostNetwork=false', pod, true],
    ['Pod', 'status.nominatedNodeName=', pod, true],
    ['Event', 'involvedObject.kind=Pod,involvedObject.name=web-1', event, true],
    ['Event', 'involvedObject.uid=u1,involvedObject.namespace=shop', event, true],
    ['Event', 'involvedObject.apiVersion=v1,involvedObject.resourceVersion=', event, true],
    ['Event', 'involvedObject.fieldPath=spec.containers{web}', event, true],
    ['Event', 'reason=Pulled,type=Normal,source=kubelet', event, true],
    ['Event', 'source=scheduler', { reportingComponent: 'scheduler' }, true],
    ['Event', 'type=Warning', event, false],
    ['Secret', 'type=kubernetes.io/tls', { type: 'kubernetes.io/tls' }, true],
    ['Node', 'spec.unschedulable=false', { metadata: { name: 'n' } }, true],
    ['Node', 'spec.unschedulable=true', { spec: { unschedulable: true } }, true],
    ['Namespace', 'status.phase=Active', { status: { phase: 'Active' } }, true],
    [
      'Service',
      'spec.type=ClusterIP,spec.clusterIP=10.96.0.10',
      { spec: { type: 'ClusterIP', clusterIP: '10.96.0.10' } },
      true,
    ],
    ['ReplicaSet', 'status.replicas=0', { status: {} }, true],
    ['ReplicaSet', 'status.replicas!=0', { status: { replicas: 3 } }, true],
    ['Job', 'status.successful=1', { status: { succeeded: 1 } }, true],
    ['Deployment', 'metadata.name=web', { metadata: { name: 'web' } }, true],
    ['ConfigMap', 'metadata.namespace=default', { metadata: { namespace: 'kube-system' } }, false],
    ['Pod', '', pod, true],
    ['Pod', 'metadata.name=a\\,b', { metadata: { name: 'a,b' } }, true],
  ] as const)('%s %j on the object: %s', (kind, text, obj, want) => {
    expect(parseFieldSelector(text, kind).matches(obj)).toBe(want);
  });

  it.each([
    ['Pod', 'spec.containers=web', 'field label not supported: spec.containers'],
    ['Node', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['Deployment', 'spec.replicas=3', 'field label not supported: spec.replicas'],
    ['Secret', 'data=x', 'field label not supported: data'],
    ['Pod', 'metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['Pod', 'metadata.name=a=b', 'invalid field selector: unescaped character in value: ='],
    ['Pod', 'metadata.name=a\\x', 'invalid field selector: invalid escape sequence: \\x'],
  ])('%s %j is refused', (kind, text, message) => {
    expect(() => parseFieldSelector(text, kind)).toThrow(message);
  });

  it('exposes sorted requirements and prints them back', () => {
    const s = parseFieldSelector('status.phase!=Running,metadata.name==web', 'Pod');
    expect(s.requirements).toEqual([
      { field: 'metadata.name', operator: '==', value: 'web' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
    expect(s.toString()).toBe('metadata.name=web,status.phase!=Running');
    expect(s.isEverything()).toBe(false);
    expect(parseFieldSelector('', 'Pod').isEverything()).toBe(true);
  });

  it('does not resolve fields through the prototype chain', () => {
    expect(() => parseFieldSelector('constructor=x', 'Pod')).toThrow(
      'field label not supported: constructor',
    );
    expect(() => parseFieldSelector('__proto__=x', 'UnknownKind')).toThrow(
      'field label not supported: __proto__',
    );
  });
});
