import { describe, expect, it } from 'vitest';
import { imageTag } from '../../src/api/defaults/pod.js';
import { rulesFor } from '../../src/api/kind-rules.js';

function defaulted(apiVersion: string, kind: string, body: any): any {
  const o: any = { apiVersion, kind, metadata: { name: 'web', namespace: 'default' }, ...body };
  rulesFor(apiVersion, kind)!.applyDefaults(o);
  return o;
}
const podSpec = () => ({
  containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }],
});

describe('pod defaults', () => {
  it('fills pod spec and container fields like kube-apiserver', () => {
    const p = defaulted('v1', 'Pod', {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx:1.25',
            ports: [{ containerPort: 80 }],
            env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            livenessProbe: { httpGet: { port: 80 } },
            resources: { limits: { cpu: '0.5', memory: '1.5Gi' } },
          },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
      },
    });
    const s = p.spec;
    expect(s.restartPolicy).toBe('Always');
    expect(s.dnsPolicy).toBe('ClusterFirst');
    expect(s.schedulerName).toBe('default-scheduler');
    expect(s.terminationGracePeriodSeconds).toBe(30);
    expect(s.securityContext).toEqual({});
    expect(s.enableServiceLinks).toBe(true);
    const c = s.containers[0];
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.terminationMessagePath).toBe('/dev/termination-log');
    expect(c.terminationMessagePolicy).toBe('File');
    expect(c.ports[0].protocol).toBe('TCP');
    expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe('v1');
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.resources).toEqual({
      limits: { cpu: '500m', memory: '1536Mi' },
      requests: { cpu: '500m', memory: '1536Mi' },
    });
    expect(s.volumes[0].configMap.defaultMode).toBe(0o644);
  });

  it('keeps what the user set', () => {
    const p = defaulted('v1', 'Pod', {
      spec: {
        ...podSpec(),
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        containers: [
          {
            name: 'a',
            image: 'x',
            imagePullPolicy: 'Never',
            resources: { limits: { cpu: '1' }, requests: { cpu: '100m' } },
          },
        ],
      },
    });
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.terminationGracePeriodSeconds).toBe(0);
    expect(p.spec.enableServiceLinks).toBe(false);
    expect(p.spec.containers[0].imagePullPolicy).toBe('Never');
    expect(p.spec.containers[0].resources.requests.cpu).toBe('100m');
  });

  it.each([
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.25', '1.25', 'IfNotPresent'],
    ['localhost:5000/app', 'latest', 'Always'],
    ['localhost:5000/app:v2', 'v2', 'IfNotPresent'],
    ['nginx@sha256:abc', '', 'IfNotPresent'],
  ])('image %s has tag %j and pull policy %s', (image, tag, policy) => {
    expect(imageTag(image)).toBe(tag);
    const p = defaulted('v1', 'Pod', { spec: { containers: [{ name: 'a', image }] } });
    expect(p.spec.containers[0].imagePullPolicy).toBe(policy);
  });

  it('templates get pod-spec defaults but not requests from limits', () => {
    const d = defaulted('apps/v1', 'Deployment', {
      spec: {
        template: { spec: { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1' } } }] } },
      },
    });
    const t = d.spec.template.spec;
    expect(t.restartPolicy).toBe('Always');
    expect(t.containers[0].imagePullPolicy).toBe('Always');
    expect(t.containers[0].resources.requests).toBeUndefined();
    expect(t.enableServiceLinks).toBeUndefined();
  });

  it('hostNetwork pods expose container ports as host ports', () => {
    const p = defaulted('v1', 'Pod', { spec: { ...podSpec(), hostNetwork: true } });
    expect(p.spec.containers[0].ports[0].hostPort).toBe(80);
  });

  it('new pods start Pending with a QoS class', () => {
    const rules = rulesFor('v1', 'Pod')!;
    const best = defaulted('v1', 'Pod', { spec: podSpec() });
    rules.prepareForCreate(best);
    expect(best.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const guaranteed = defaulted('v1', 'Pod', {
      spec: { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
    });
    rules.prepareForCreate(guaranteed);
    expect(guaranteed.status.qosClass).toBe('Guaranteed');
    const burstable = defaulted('v1', 'Pod', {
      spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '1' } } }] },
    });
    rules.prepareForCreate(burstable);
    expect(burstable.status.qosClass).toBe('Burstable');
  });
});

describe('workload defaults', () => {
  it('Deployment', () => {
    const d = defaulted('apps/v1', 'Deployment', { spec: { template: { spec: podSpec() } } });
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    const recreate = defaulted('apps/v1', 'Deployment', {
      spec: { strategy: { type: 'Recreate' }, template: { spec: podSpec() } },
    });
    expect(recreate.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('ReplicaSet, DaemonSet, StatefulSet', () => {
    expect(defaulted('apps/v1', 'ReplicaSet', { spec: {} }).spec.replicas).toBe(1);
    const ds = defaulted('apps/v1', 'DaemonSet', { spec: {} });
    expect(ds.spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    const sts = defaulted('apps/v1', 'StatefulSet', { spec: {} });
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(sts.spec.revisionHistoryLimit).toBe(10);
  });

  it('Job: counts, mode, suspend, and the generated selector when a uid exists', () => {
    const j = defaulted('batch/v1', 'Job', {
      metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
      spec: { template: { spec: { ...podSpec(), restartPolicy: 'Never' } } },
    });
    expect(j.spec.completions).toBe(1);
    expect(j.spec.parallelism).toBe(1);
    expect(j.spec.backoffLimit).toBe(6);
    expect(j.spec.completionMode).toBe('NonIndexed');
    expect(j.spec.suspend).toBe(false);
    expect(j.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    const labels = {
      'batch.kubernetes.io/controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'u-1',
      'job-name': 'pi',
    };
    expect(j.spec.template.metadata.labels).toEqual(labels);
    expect(j.metadata.labels).toEqual(labels);
    const parallel = defaulted('batch/v1', 'Job', { spec: { parallelism: 3, template: {} } });
    expect(parallel.spec.completions).toBeUndefined();
    expect(parallel.spec.selector).toBeUndefined();
  });

  it('CronJob', () => {
    const cj = defaulted('batch/v1', 'CronJob', {
      spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: podSpec() } } } },
    });
    expect(cj.spec).toMatchObject({
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
    expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Always');
  });

  it('HorizontalPodAutoscaler', () => {
    const h = defaulted('autoscaling/v2', 'HorizontalPodAutoscaler', {
      spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } },
    });
    expect(h.spec.minReplicas).toBe(1);
    expect(h.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    expect(h.spec.behavior.scaleUp.policies).toHaveLength(2);
    expect(h.spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 30,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
  });
});

describe('core defaults', () => {
  it('Service', () => {
    const s = defaulted('v1', 'Service', {
      spec: { ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'UDP' }] },
    });
    expect(s.spec.type).toBe('ClusterIP');
    expect(s.spec.sessionAffinity).toBe('None');
    expect(s.spec.internalTrafficPolicy).toBe('Cluster');
    expect(s.spec.ports).toEqual([
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 443, targetPort: 'https', protocol: 'UDP' },
    ]);
    const np = defaulted('v1', 'Service', {
      spec: { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] },
    });
    expect(np.spec.externalTrafficPolicy).toBe('Cluster');
    expect(np.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it('Namespace: phase, name label, and the kubernetes finalizer at creation', () => {
    const rules = rulesFor('v1', 'Namespace')!;
    const ns: any = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
    rules.applyDefaults(ns);
    expect(ns.status.phase).toBe('Active');
    expect(ns.metadata.labels['kubernetes.io/metadata.name']).toBe('team-a');
    expect(ns.spec).toBeUndefined();
    rules.prepareForCreate(ns);
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
  });

  it('Secret: Opaque type and stringData folded into data', () => {
    const s = defaulted('v1', 'Secret', { data: { a: 'eA==' }, stringData: { b: 'hello' } });
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ a: 'eA==', b: 'aGVsbG8=' });
    expect(s.stringData).toBeUndefined();
  });

  it('Node allocatable defaults to capacity; Endpoints ports to TCP', () => {
    const n = defaulted('v1', 'Node', { status: { capacity: { cpu: '2', memory: '4Gi' } } });
    expect(n.status.allocatable).toEqual({ cpu: '2', memory: '4Gi' });
    const ep = defaulted('v1', 'Endpoints', {
      subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
    });
    expect(ep.subsets[0].ports[0].protocol).toBe('TCP');
  });

  it('defaulting is idempotent', () => {
    const d = defaulted('apps/v1', 'Deployment', { spec: { template: { spec: podSpec() } } });
    const again = structuredClone(d);
    rulesFor('apps/v1', 'Deployment')!.applyDefaults(again);
    expect(again).toEqual(d);
  });
});
