// The node agent on a real Docker Engine against a real in-process API server: pods of the
// lab images run as sandbox + containers, probes restart and gate readiness, crash loops
// back off, configMaps and secrets reach env and files, containers of a pod share an
// emptyDir and localhost, limits reach Docker, faults become Kubernetes' reasons, a restarted
// agent adopts what runs, and deletion removes the containers. Every container carries the
// test run's label and is removed at the end.
import { request } from 'node:http';
import type { ConfigMap, Event, Node, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerNode } from '../../src/agent/hosts/docker-node-host.js';
import { podUidLabel } from '../../src/agent/runtime/docker-labels.js';
import { resource } from '../../src/api/resources.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { type DockerTestNode, startDockerTestNode } from '../helpers/docker-test-node.js';
import { holdLockForFile, withLock } from '../helpers/e2e-fixtures.js';
import { until } from '../helpers/until.js';

const nodeName = 'docker-e2e';

let t: DockerTestNode;
let client: ApiClient;
let node: DockerNode;
const latenciesMs: number[] = [];

holdLockForFile('host-docker', 'shared');

beforeAll(async () => {
  t = await startDockerTestNode(nodeName, { backoff: { initialMs: 1_000, maxMs: 4_000 } });
  client = t.client;
  node = t.node;
});

afterAll(async () => {
  await t?.stop();
  if (latenciesMs.length) process.stderr.write(`pod create->Ready latency (ms): ${latenciesMs.join(', ')}\n`);
});

const pods = () => client.resource<Pod>(resource.pods, 'default');

function createPod(name: string, spec: Partial<Pod['spec']>): Promise<Pod> {
  return pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'web', image: 'kubelab/web:1' }],
      ...spec,
    } as Pod['spec'],
  });
}

const isReady = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

async function readyPod(name: string, timeoutMs = 20_000): Promise<Pod> {
  return until(
    `${name} Ready`,
    async () => {
      const p = await pods().get(name);
      return isReady(p) && p;
    },
    timeoutMs,
  );
}

function containerId(pod: Pod, name = 'web'): string {
  return (pod.status?.containerStatuses?.find((c) => c.name === name)?.containerID ?? '').replace(
    'docker://',
    '',
  );
}

async function exec(id: string, script: string): Promise<string> {
  const { exitCode, output } = await node.runtime.execSync(id, ['sh', '-c', script], 5_000);
  expect(exitCode, output).toBe(0);
  return output.trim();
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function podEvents(name: string): Promise<Event[]> {
  const list = await client.resource<Event>(resource.events, 'default').list();
  return list.items.filter((e) => e.involvedObject?.name === name);
}

async function podContainers(uid: string) {
  return t.docker.listContainers({ all: true, filters: { label: [`${podUidLabel}=${uid}`] } });
}

describe('the node agent on Docker Engine', () => {
  it('registers the machine as a Ready node with Docker as its runtime', async () => {
    const n = await client.resource<Node>(resource.nodes).get(nodeName);
    expect(n.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\/\d+\./);
    expect(n.status?.nodeInfo?.kernelVersion).not.toBe('');
    expect(n.metadata?.labels?.['node.kubelab.dev/simulated']).toBeUndefined();
    expect(Number(n.status?.capacity?.cpu)).toBeGreaterThan(0);
  });

  it('runs a pod of kubelab/web:1 that serves HTTP on its pod IP, in a pause sandbox', async () => {
    for (const name of ['web-a', 'web-b', 'web-c']) {
      const t0 = Date.now();
      await createPod(name, {
        containers: [
          {
            name: 'web',
            image: 'kubelab/web:1',
            ports: [{ containerPort: 8080 }],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
          },
        ],
      });
      await readyPod(name);
      latenciesMs.push(Date.now() - t0);
    }
    const pod = await pods().get('web-a');
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const cs = pod.status?.containerStatuses?.[0];
    expect(cs).toMatchObject({ ready: true, started: true, restartCount: 0 });
    expect(cs?.containerID).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    expect(cs?.imageID).toMatch(/^docker:\/\/sha256:/);
    const res = await httpGet(`http://${pod.status?.podIP}:8080/`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ version: '1', pod: 'web-a' });
    const containers = await podContainers(pod.metadata?.uid ?? '');
    const sandbox = containers.find((c) => c.Names[0]?.startsWith('/k8s_POD_web-a_default_'));
    expect(sandbox?.Image).toBe('kubelab/pause:1');
    const app = await t.docker.getContainer(containerId(pod)).inspect();
    expect(app.HostConfig.NetworkMode).toBe(`container:${sandbox?.Id}`);
    expect(app.Config.Labels).toMatchObject({
      'io.kubernetes.pod.name': 'web-a',
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.container.name': 'web',
      'dev.kubelab.restart-count': '0',
    });
  });

  it('restarts a container whose liveness probe fails (restartCount grows, Unhealthy + Killing)', async () => {
    await createPod('liveness', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          livenessProbe: {
            httpGet: { path: '/no-such-path', port: 8080 },
            periodSeconds: 1,
            failureThreshold: 2,
          },
        },
      ],
    });
    const pod = await until(
      'two restarts',
      async () => {
        const p = await pods().get('liveness');
        return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && p;
      },
      40_000,
    );
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    const events = await podEvents('liveness');
    expect(
      events.some(
        (e) =>
          e.reason === 'Unhealthy' &&
          /Liveness probe failed: HTTP probe failed with statuscode: 404/.test(e.message ?? ''),
      ),
    ).toBe(true);
    expect(
      events.some(
        (e) => e.reason === 'Killing' && /failed liveness probe, will be restarted/.test(e.message ?? ''),
      ),
    ).toBe(true);
  });

  it('backs a crashing container off: kubelab/crash reaches CrashLoopBackOff', async () => {
    await createPod('crash', {
      containers: [
        { name: 'crash', image: 'kubelab/crash', env: [{ name: 'CRASH_AFTER_SECONDS', value: '0' }] },
      ],
    });
    const pod = await until(
      'CrashLoopBackOff',
      async () => {
        const p = await pods().get('crash');
        return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' && p;
      },
      30_000,
    );
    const cs = pod.status?.containerStatuses?.[0];
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(cs?.restartCount).toBeGreaterThanOrEqual(1);
    expect(cs?.state?.waiting?.message).toMatch(
      /^back-off \d+s restarting failed container=crash pod=crash_default/,
    );
  });

  it('gates Ready on the readiness probe: kubelab/web:broken runs but is never Ready', async () => {
    await createPod('broken', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:broken',
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
        },
      ],
    });
    await until('the readiness failure event', async () =>
      (await podEvents('broken')).some(
        (e) => e.reason === 'Unhealthy' && /Readiness probe failed/.test(e.message ?? ''),
      ),
    );
    const pod = await pods().get('broken');
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
    });
  });

  it('holds liveness off until the startup probe succeeds', async () => {
    await createPod('startup', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          startupProbe: {
            exec: { command: ['cat', '/tmp/started'] },
            periodSeconds: 1,
            failureThreshold: 60,
          },
          livenessProbe: {
            httpGet: { path: '/no-such-path', port: 8080 },
            periodSeconds: 1,
            failureThreshold: 1,
          },
        },
      ],
    });
    const running = await until('running', async () => {
      const p = await pods().get('startup');
      return p.status?.containerStatuses?.[0]?.state?.running && p;
    });
    await new Promise((r) => setTimeout(r, 3_000)); // three liveness periods that must not fire
    const held = await pods().get('startup');
    expect(held.status?.containerStatuses?.[0]).toMatchObject({
      started: false,
      ready: false,
      restartCount: 0,
    });
    await exec(containerId(running), 'touch /tmp/started');
    await until('the liveness restart once started', async () => {
      const p = await pods().get('startup');
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
    });
  });

  it('puts configMap and secret data in env and files, and updates the files', async () => {
    const cms = client.resource<ConfigMap>(resource.configMaps, 'default');
    await cms.create({ metadata: { name: 'settings' }, data: { colour: 'teal', 'app.conf': 'level=1' } });
    await client
      .resource<Secret>(resource.secrets, 'default')
      .create({ metadata: { name: 'creds' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    await createPod('config', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          env: [
            { name: 'COLOUR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'colour' } } },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            { name: 'GREETING', value: 'colour=$(COLOUR)' },
          ],
          envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
          volumeMounts: [
            { name: 'conf', mountPath: '/etc/app' },
            { name: 'secret', mountPath: '/etc/secret' },
          ],
        },
      ],
      volumes: [
        { name: 'conf', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'app.conf' }] } },
        { name: 'secret', secret: { secretName: 'creds', defaultMode: 0o400 } },
      ],
    });
    const id = containerId(await readyPod('config'));
    expect(await exec(id, 'echo "$COLOUR $PASSWORD $GREETING $CFG_colour"')).toBe(
      'teal s3cret colour=teal teal',
    );
    expect(await exec(id, 'cat /etc/app/app.conf')).toBe('level=1');
    expect(await exec(id, 'cat /etc/secret/password; echo; stat -L -c %a /etc/secret/password')).toBe(
      's3cret\n400',
    );
    await cms.patch('settings', { data: { 'app.conf': 'level=2' } }, 'merge');
    await until('the updated file', async () => (await exec(id, 'cat /etc/app/app.conf')) === 'level=2');
  });

  it('reports a missing configMap as CreateContainerConfigError', async () => {
    await createPod('missing-config', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x' } } }],
        },
      ],
    });
    const pod = await until('CreateContainerConfigError', async () => {
      const p = await pods().get('missing-config');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' && p;
    });
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('configmap "absent" not found');
  });

  it('reports a missing image as ErrImagePull, then ImagePullBackOff', async () => {
    await createPod('no-image', { containers: [{ name: 'web', image: 'registry.invalid/none:1' }] });
    await until('ErrImagePull or ImagePullBackOff', async () => {
      const p = await pods().get('no-image');
      return /^(ErrImagePull|ImagePullBackOff)$/.test(
        p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
      );
    });
    await until('ImagePullBackOff', async () => {
      const p = await pods().get('no-image');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff';
    });
    const reasons = (await podEvents('no-image')).map((e) => `${e.reason}: ${e.message}`);
    expect(reasons).toContain('Failed: Error: ErrImagePull');
    expect(reasons).toContain('BackOff: Back-off pulling image "registry.invalid/none:1"');
  });

  it('shows pulling progress as events: a missing lab image is built on the node', () =>
    // No `kubelab up` elsewhere builds the lab images back meanwhile.
    withLock('lab-images', 'exclusive', async () => {
      await t.docker
        .getImage('kubelab/web:3')
        .remove({ force: true })
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e;
        });
      await createPod('built-here', { containers: [{ name: 'web', image: 'kubelab/web:3' }] });
      await readyPod('built-here');
      const reasons = await until('the pull events', async () => {
        const r = (await podEvents('built-here')).map((e) => `${e.reason}: ${e.message}`);
        return r.some((x) => x.startsWith('Pulled: ')) && r;
      });
      expect(reasons).toContain('Pulling: Pulling image "kubelab/web:3"');
      expect(reasons).toContain(
        'Pulling: Pulling image "kubelab/web:3": building it on this node from its recipe (lab image, no registry)',
      );
      expect(
        reasons.some((r) => /^Pulled: Successfully pulled image "kubelab\/web:3" in [\d.]+s$/.test(r)),
      ).toBe(true);
    }));

  it('reports a command that is not found as RunContainerError with the Docker message', async () => {
    await createPod('no-command', {
      containers: [{ name: 'web', image: 'kubelab/web:1', command: ['/no/such/binary'] }],
    });
    const pod = await until('RunContainerError', async () => {
      const p = await pods().get('no-command');
      const cs = p.status?.containerStatuses?.[0];
      return (
        (cs?.state?.waiting?.reason === 'RunContainerError' ||
          cs?.lastState?.terminated?.reason === 'StartError') &&
        p
      );
    });
    const cs = pod.status?.containerStatuses?.[0];
    expect(`${cs?.state?.waiting?.message ?? ''} ${cs?.lastState?.terminated?.message ?? ''}`).toMatch(
      /no such file or directory|not found/,
    );
  });

  it('lets two containers of one pod share an emptyDir and localhost', async () => {
    await createPod('pair', {
      containers: [
        { name: 'web', image: 'kubelab/web:1', volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        {
          name: 'side',
          image: 'kubelab/web:1',
          command: ['sh', '-c', 'echo from-side > /shared/note; exec sleep 3600'],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
        },
      ],
      volumes: [{ name: 'shared', emptyDir: {} }],
    });
    const pod = await readyPod('pair');
    expect(await exec(containerId(pod, 'web'), 'cat /shared/note')).toBe('from-side');
    expect(await exec(containerId(pod, 'side'), 'wget -qO- http://127.0.0.1:8080/')).toMatch(/"version":"1"/);
  });

  it('turns cpu and memory limits into Docker limits', async () => {
    await createPod('limits', {
      containers: [
        {
          name: 'web',
          image: 'kubelab/web:1',
          resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } },
        },
      ],
    });
    const info = await t.docker.getContainer(containerId(await readyPod('limits'))).inspect();
    expect(info.HostConfig.NanoCpus).toBe(250_000_000);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
  });

  it('adopts running containers after an agent restart without restarting any', async () => {
    const before = await pods().get('web-a');
    const startedAt = (await t.docker.getContainer(containerId(before)).inspect()).State.StartedAt;
    await node.stop();
    node = await t.startAgent();
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await readyPod('web-a');
    expect(containerId(after)).toBe(containerId(before));
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(after.status?.podIP).toBe(before.status?.podIP);
    expect((await t.docker.getContainer(containerId(after)).inspect()).State.StartedAt).toBe(startedAt);
  });

  it('removes containers of a deleted pod within its grace period', async () => {
    const pod = await pods().get('web-b');
    const t0 = Date.now();
    await pods().delete('web-b');
    await until(
      'the pod gone',
      async () => {
        try {
          await pods().get('web-b');
          return false;
        } catch {
          return true;
        }
      },
      10_000,
    );
    expect(await podContainers(pod.metadata?.uid ?? '')).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(2_000 + 3_000);
  });

  it('removes containers of a pod deleted while the agent was down', async () => {
    const pod = await pods().get('web-c');
    await node.stop();
    await pods().delete('web-c', { gracePeriodSeconds: 0 });
    node = await t.startAgent();
    await until(
      'orphan containers removed',
      async () => (await podContainers(pod.metadata?.uid ?? '')).length === 0,
      // Eventually, not fast: the agent restarts and lists its pods first, on a busy CI machine.
      30_000,
    );
  });
});
