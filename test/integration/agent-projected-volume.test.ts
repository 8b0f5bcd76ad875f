// The agent's projected volume step against a real API server, without a container runtime:
// the kube-api-access files land in the pod's volume directory (token bound to the pod, CA,
// namespace; 0644), the token is kept while young and asked for again once 80% of its life
// has passed (the agent's clock is a FakeClock the test steps), swapped in atomically.
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { ConfigMap, Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podVolumesStep } from '../../src/agent/lifecycle/pod-volumes.js';
import type { PodStepContext } from '../../src/agent/pod-step.js';
import { resource } from '../../src/api/resources.js';
import { FakeClock } from '../../src/client/clock.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let client: ApiClient;
let podsDir: string;

beforeAll(async () => {
  server = await startTestServer({ serviceAccountAdmission: true });
  client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  podsDir = await mkdtemp(join(tmpdir(), 'kubelab-pods-'));
  // What the controller manager would have made.
  await client
    .resource<ServiceAccount>(resource.serviceAccounts, 'default')
    .create({ metadata: { name: 'default' } });
  await client
    .resource<ConfigMap>(resource.configMaps, 'default')
    .create({ metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': client.caData! } });
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await rm(podsDir, { recursive: true, force: true });
});

describe('projected ServiceAccount volume on the agent', () => {
  it('writes token, CA and namespace, and renews the token after 80% of its life', async () => {
    const pod = await client.resource<Pod>(resource.pods, 'default').create({
      metadata: { name: 'reader' },
      spec: { containers: [{ name: 'app', image: 'kubelab/web:1' }] },
    });
    const volume = pod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
    const clock = new FakeClock(Date.now());
    const ctx = {
      client,
      clock,
      nodeName: 'w1',
      podsDir,
      pod,
      record: { uid: pod.metadata!.uid!, startTime: '', containers: new Map(), sandbox: { id: 's', ip: '' } },
      requeueAfter: () => {},
    } as unknown as PodStepContext;
    const dir = join(podsDir, pod.metadata!.uid!, 'volumes', 'kubernetes.io~projected', volume.name);

    await podVolumesStep.update!(ctx);
    expect(await readFile(join(dir, 'namespace'), 'utf8')).toBe('default');
    expect(await readFile(join(dir, 'ca.crt'), 'utf8')).toBe(client.caData);
    const first = await readFile(join(dir, 'token'), 'utf8');
    expect(decodeJwt(first)['kubernetes.io']).toMatchObject({
      pod: { name: 'reader', uid: pod.metadata?.uid },
    });
    expect(decodeJwt(first).exp! - decodeJwt(first).iat!).toBe(3607);
    expect((await stat(join(dir, 'token'))).mode & 0o777).toBe(0o644);
    const firstData = await readlink(join(dir, '..data'));

    // Young: the same token, nothing rewritten.
    clock.step(3607_000 * 0.79);
    await podVolumesStep.update!(ctx);
    expect(await readFile(join(dir, 'token'), 'utf8')).toBe(first);
    expect(await readlink(join(dir, '..data'))).toBe(firstData);

    // Past 80% of its life: a new token, swapped in whole.
    clock.step(3607_000 * 0.02);
    await podVolumesStep.update!(ctx);
    const second = await readFile(join(dir, 'token'), 'utf8');
    expect(second).not.toBe(first);
    expect(decodeJwt(second).sub).toBe('system:serviceaccount:default:default');
    expect(await readlink(join(dir, '..data'))).not.toBe(firstData);
  });
});
