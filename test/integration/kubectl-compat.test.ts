// Real kubectl (the Debian/upstream binary on the machine) against kubelab's API server:
// discovery, server-side printing, client-side apply with strategic merge patches, scale,
// label, and delete all work unchanged.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
let server: TestServer;
let dir: string;

const kubectl = (...args: string[]) =>
  runCommand(kubectlPath!, ['--kubeconfig', server.kubeconfigPath, ...args]);

const manifest = (image: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
`;

beforeAll(async () => {
  if (!kubectlPath)
    throw new Error('kubectl is required for this test (Debian machines here ship /usr/bin/kubectl)');
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'kubelab-kubectl-'));
});
afterAll(async () => {
  await server?.stop();
});

describe('real kubectl', () => {
  it('discovers resources', async () => {
    const r = await kubectl('api-resources');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(r.stdout).toMatch(/horizontalpodautoscalers\s+hpa\s+autoscaling\/v2/);
  });

  it('applies, re-applies unchanged, and configures on change', async () => {
    const file = join(dir, 'web.yaml');
    await writeFile(file, manifest('kubelab/web:1', 2));
    const created = await kubectl('apply', '-f', file);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('deployment.apps/web created');
    expect(created.stdout).toContain('service/web created');
    const again = await kubectl('apply', '-f', file);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('deployment.apps/web unchanged');
    await writeFile(file, manifest('kubelab/web:2', 3));
    const changed = await kubectl('apply', '-f', file);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('deployment.apps/web configured');
    const json = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'json')).stdout);
    expect(json.spec.replicas).toBe(3);
    expect(json.spec.template.spec.containers[0].image).toBe('kubelab/web:2');
    expect(json.metadata.generation).toBe(2);
  });

  it('prints the server-side table', async () => {
    const r = await kubectl('get', 'deploy,svc');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(r.stdout).toMatch(/deployment\.apps\/web\s+0\/3/);
    expect(r.stdout).toMatch(/service\/web\s+ClusterIP/);
  });

  it('scales, labels and deletes', async () => {
    expect((await kubectl('scale', 'deployment', 'web', '--replicas=5')).stdout).toContain(
      'deployment.apps/web scaled',
    );
    expect((await kubectl('label', 'deployment', 'web', 'tier=front')).stdout).toContain(
      'deployment.apps/web labeled',
    );
    const json = JSON.parse((await kubectl('get', 'deployment', 'web', '-o', 'json')).stdout);
    expect(json.spec.replicas).toBe(5);
    expect(json.metadata.labels.tier).toBe('front');
    const del = await kubectl('delete', 'service', 'web');
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain('service "web" deleted');
    const gone = await kubectl('get', 'service', 'web');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('services "web" not found');
  });

  it('shows the server’s validation errors', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      manifest('kubelab/web:1', 1)
        .replace('replicas: 1', 'replicas: -1')
        .replace(/---[\s\S]*$/, ''),
    );
    const r = await kubectl('apply', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.replicas');
  });
});
