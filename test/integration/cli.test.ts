// The `kubelab` program (built bundle) against a real API server: apply, get, describe,
// delete, with kubectl's output shapes, and errors that name the file, line and field.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubelab } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let dir: string;
const k = (...args: string[]) => kubelab(['--kubeconfig', server.kubeconfigPath, ...args]);

const web = (image: string, replicas: number | string) => `# a comment line so line numbers are not trivial
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
`;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'kubelab-cli-'));
});
afterAll(async () => {
  await server.stop();
});

describe('kubelab apply', () => {
  it('creates, leaves unchanged, and configures, like kubectl', async () => {
    const file = join(dir, 'web.yaml');
    await writeFile(file, web('kubelab/web:1', 2));
    expect((await k('apply', '-f', file)).stdout).toBe('deployment.apps/web created\n');
    expect((await k('apply', '-f', file)).stdout).toBe('deployment.apps/web unchanged\n');
    await writeFile(file, web('kubelab/web:2', 2));
    expect((await k('apply', '-f', file)).stdout).toBe('deployment.apps/web configured\n');
    const yaml = await k('get', 'deploy', 'web', '-o', 'yaml');
    expect(yaml.stdout).toContain('image: kubelab/web:2');
    expect(yaml.stdout).toContain('kubectl.kubernetes.io/last-applied-configuration');
  });

  it('adds a label from stdin and keeps server-defaulted fields', async () => {
    const label = await kubelab(['--kubeconfig', server.kubeconfigPath, 'apply', '-f', '-'], {
      input: web('kubelab/web:2', 2).replace('  name: web\n', '  name: web\n  labels:\n    owner: team-a\n'),
    });
    expect(label.stdout).toBe('deployment.apps/web configured\n');
    const json = JSON.parse((await k('get', 'deploy', 'web', '-o', 'json')).stdout);
    expect(json.metadata.labels).toEqual({ owner: 'team-a' });
    expect(json.spec.template.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
  });

  it('names file, line and field for an invalid value, and stores nothing', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, web('kubelab/web:1', -1).replace('name: web\n', 'name: bad\n'));
    const r = await k('apply', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${file}:7 spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
    );
    expect((await k('get', 'deploy', 'bad')).code).toBe(1);
  });

  it('names file and line for an unknown field and for broken YAML', async () => {
    const unknown = join(dir, 'unknown.yaml');
    await writeFile(
      unknown,
      web('kubelab/web:1', 1)
        .replace('name: web\n', 'name: unk\n')
        .replace('  replicas: 1\n', '  replicas: 1\n  replicaz: 2\n'),
    );
    const r = await k('apply', '-f', unknown);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${unknown}:8`);
    expect(r.stderr).toContain('unknown field "spec.replicaz"');
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n');
    const b = await k('apply', '-f', broken);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`${broken}:`);
  });

  it('refuses a YAML bomb quickly', async () => {
    const bomb = join(dir, 'bomb.yaml');
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(
        `${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
      );
    }
    await writeFile(
      bomb,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`,
    );
    const t0 = Date.now();
    const r = await k('apply', '-f', bomb);
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.stderr).toContain(bomb);
  });

  it('applies every manifest in a folder, continuing past a bad one', async () => {
    const folder = join(dir, 'many');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    await writeFile(
      join(folder, 'a.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n',
    );
    await writeFile(join(folder, 'b.yaml'), 'apiVersion: v1\nkind: Widget\nmetadata:\n  name: b\n');
    await writeFile(
      join(folder, 'c.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
    );
    const r = await k('apply', '-f', folder);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('configmap/a created\nconfigmap/c created\n');
    expect(r.stderr).toContain('no kind "Widget"');
  });
});

describe('kubelab get, describe, delete', () => {
  it('prints kubectl-shaped tables and names', async () => {
    const table = await k('get', 'deployments');
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(table.stdout).toMatch(/^web\s+0\/2\s+0\s+0\s+\d+s$/m);
    const names = await k('get', 'cm', '-o', 'name');
    expect(names.stdout).toContain('configmap/a\n');
    const all = await k('get', 'ns', '-A');
    expect(all.stdout).toContain('kube-system');
    const none = await k('get', 'pods');
    expect(none.stderr).toBe('No resources found in default namespace.\n');
    const unknown = await k('get', 'widgets');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the server doesn\'t have a resource type "widgets"');
    const missing = await k('get', 'deploy', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
  });

  it('describes a deployment', async () => {
    const r = await k('describe', 'deploy', 'web');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+web$/m);
    expect(r.stdout).toMatch(/^Namespace:\s+default$/m);
    expect(r.stdout).toMatch(/StrategyType:\s+RollingUpdate/);
    expect(r.stdout).toContain('Events:');
  });

  it('deletes by name, by file and by selector', async () => {
    expect((await k('delete', 'configmap', 'a')).stdout).toBe('configmap "a" deleted\n');
    const byFile = join(dir, 'web.yaml');
    expect((await k('delete', '-f', byFile)).stdout).toBe('deployment.apps "web" deleted\n');
    const r = await kubelab(['--kubeconfig', server.kubeconfigPath, 'apply', '-f', '-'], {
      input:
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l1\n  labels: {x: z}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l2\n  labels: {x: z}\n',
    });
    expect(r.stdout).toBe('configmap/l1 created\nconfigmap/l2 created\n');
    expect((await k('delete', 'cm', '-l', 'x=z')).stdout).toBe(
      'configmap "l1" deleted\nconfigmap "l2" deleted\n',
    );
  });
});

describe('kubelab apply --prune', () => {
  const cm = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: {set: pruning}\n`;
  it('deletes previously applied objects that left the manifests, only with a selector', async () => {
    const both = await kubelab(['--kubeconfig', server.kubeconfigPath, 'apply', '-f', '-'], {
      input: `${cm('p1')}---\n${cm('p2')}`,
    });
    expect(both.stdout).toBe('configmap/p1 created\nconfigmap/p2 created\n');
    const noSelector = await kubelab(['--kubeconfig', server.kubeconfigPath, 'apply', '--prune', '-f', '-'], {
      input: cm('p1'),
    });
    expect(noSelector.code).toBe(2);
    const pruned = await kubelab(
      ['--kubeconfig', server.kubeconfigPath, 'apply', '--prune', '-l', 'set=pruning', '-f', '-'],
      {
        input: cm('p1'),
      },
    );
    expect(pruned.stdout).toBe('configmap/p1 unchanged\nconfigmap/p2 pruned\n');
    expect((await k('get', 'cm', 'p2')).code).toBe(1);
    expect((await k('get', 'cm', 'p1')).code).toBe(0);
  });
});
